//! The demo office: 上街区人民检察院 with its partner agencies and one account per role.
//! `story` then replays the seed's year in it (see there).

mod files;
pub mod story;

pub use story::{BULLETIN, Bulletin};

use rand::Rng;
use xingjian_domain::{AgencyInput, AgencyKind, NewUser, Role, validate_password};
use xingjian_store::{RequestCtx, Store, StoreResult};

pub const AGENCIES: [(&str, &[&str], AgencyKind); 4] = [
    (
        "区交通运输局",
        &["区交通局", "区交通运输管理局"],
        AgencyKind::Transport,
    ),
    (
        "区公安局",
        &["区公安局交警大队", "区交警大队"],
        AgencyKind::TrafficPolice,
    ),
    ("区司法局", &[], AgencyKind::Justice),
    ("区教育局", &["区教育部门"], AgencyKind::Education),
];

/// (username, display name, role, agency name for liaisons)
pub const ACCOUNTS: [(&str, &str, Role, Option<&str>); 11] = [
    ("admin", "系统管理员", Role::Admin, None),
    ("chief", "张检察长", Role::Chief, None),
    ("deputy", "李分管检察长", Role::DeputyChief, None),
    ("prosecutor", "王检察官", Role::Prosecutor, None),
    ("assistant", "赵检察官助理", Role::Assistant, None),
    ("clerk", "刘书记员", Role::Clerk, None),
    (
        "liaison.jt",
        "陈联络员（交通运输局）",
        Role::Liaison,
        Some("区交通运输局"),
    ),
    (
        "liaison.ga",
        "周联络员（公安局）",
        Role::Liaison,
        Some("区公安局"),
    ),
    (
        "liaison.sf",
        "吴联络员（司法局）",
        Role::Liaison,
        Some("区司法局"),
    ),
    (
        "liaison.jy",
        "郑联络员（教育局）",
        Role::Liaison,
        Some("区教育局"),
    ),
    ("supervisor", "孙人民监督员", Role::PeopleSupervisor, None),
];

/// Demo enforcement records: synthetic files imported as the clerk would, and
/// one screening run by the prosecutor, so every page has something to show.
pub async fn seed_records(
    store: &Store,
    screener: &xingjian_screening::Screener,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = data_dir.join("demo-records");
    xingjian_synthetic::generate(xingjian_synthetic::Options::for_cases(2000), &dir)
        .context("无法生成演示执法数据")?;
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    let clerk = sys
        .find_user("clerk")
        .await?
        .context("演示账号 clerk 不存在")?;
    let clerk = xingjian_domain::Actor::from_user(&clerk);
    let as_clerk = store.as_actor(&clerk, &ctx);
    for f in [
        "officers.csv",
        "vehicle_permits.csv",
        "penalty_cases.csv",
        "compulsory_measures.csv",
    ] {
        let bytes = std::fs::read(dir.join(f))?;
        let opts = xingjian_datasets::ImportOptions {
            table: None,
            agency: None,
            import_valid_rows: false,
        };
        xingjian_datasets::import_file(&as_clerk, &screener.objects, f, &bytes, &opts)
            .await
            .with_context(|| format!("演示数据 {f} 导入失败"))?;
    }
    let prosecutor = sys
        .find_user("prosecutor")
        .await?
        .context("演示账号 prosecutor 不存在")?;
    let prosecutor = xingjian_domain::Actor::from_user(&prosecutor);
    let sel = xingjian_screening::Selection {
        as_of: chrono::NaiveDate::parse_from_str(xingjian_synthetic::AS_OF, "%Y-%m-%d").ok(),
        ..Default::default()
    };
    let plan = screener
        .plan(&store.as_actor(&prosecutor, &ctx), &sel)
        .await?;
    screener.execute(store, &plan).await?;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// A random password that meets the policy.
pub fn random_password(username: &str) -> String {
    const ALNUM: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    loop {
        let body: String = (0..12)
            .map(|_| char::from(ALNUM[rng.gen_range(0..ALNUM.len())]))
            .collect();
        let p = format!("Xj-{body}{}", rng.gen_range(10..100));
        if validate_password(&p, username).is_ok() {
            return p;
        }
    }
}

/// Create the demo office in an empty database; returns (username, role label, password).
pub async fn seed(
    store: &Store,
    password: Option<&str>,
) -> StoreResult<Vec<(String, &'static str, String)>> {
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    for (name, aliases, kind) in AGENCIES {
        sys.create_agency(AgencyInput {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            kind,
        })
        .await?;
    }
    let mut logins = Vec::new();
    for (username, display, role, agency) in ACCOUNTS {
        let agency_id = match agency {
            Some(n) => sys.find_agency(n).await?.map(|a| a.id),
            None => None,
        };
        let pw = password.map_or_else(|| random_password(username), str::to_owned);
        let user = sys
            .create_user(NewUser {
                username: username.into(),
                display_name: display.into(),
                role,
                agency_id,
                password: pw.clone(),
            })
            .await?;
        if role == Role::Liaison {
            // Liaisons' contacts show on their agency's page.
            sys.set_contact(
                user.id,
                &xingjian_store::Contact {
                    position: "法制科科长".into(),
                    phone: format!("0371-6890 {:04}", 1000 + user.id.0),
                    ..Default::default()
                },
            )
            .await?;
        }
        logins.push((username.to_owned(), role.label(), pw));
    }
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_passwords_meet_the_policy() {
        for (u, ..) in ACCOUNTS {
            let p = random_password(u);
            assert!(validate_password(&p, u).is_ok(), "{p}");
        }
    }

    #[test]
    fn every_role_has_a_demo_account_and_liaisons_have_agencies() {
        for r in Role::ALL {
            assert!(ACCOUNTS.iter().any(|a| a.2 == r), "no demo account for {r}");
        }
        for (u, _, role, agency) in ACCOUNTS {
            assert_eq!(role.requires_agency(), agency.is_some(), "{u}");
            if let Some(a) = agency {
                assert!(AGENCIES.iter().any(|x| x.0 == a), "{a}");
            }
        }
    }
}
