//! The store on both backends: migrations, append-only audit, scoping, logins, sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use xingjian_domain::{Actor, AgencyInput, AgencyKind, NewUser, Role};
use xingjian_store::{
    AgencyFilter, AuditFilter, LoginFailure, LoginOutcome, PageRequest, RequestCtx, SessionPolicy,
    Store, StoreError,
};
use xingjian_testkit::{TestDb, both};

const PW: &str = "Test-Pass-2023";

async fn seeded(backend: xingjian_store::Backend) -> (TestDb, Store) {
    let t = TestDb::new(backend).await;
    let store = Store::new(t.db.clone());
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    for (name, kind) in [
        ("区交通运输局", AgencyKind::Transport),
        ("区公安局", AgencyKind::TrafficPolice),
    ] {
        sys.create_agency(AgencyInput {
            name: name.into(),
            aliases: vec![],
            kind,
        })
        .await
        .unwrap();
    }
    let jt = sys.find_agency("区交通运输局").await.unwrap().unwrap().id;
    for (u, role, agency) in [
        ("admin", Role::Admin, None),
        ("prosecutor", Role::Prosecutor, None),
        ("liaison.jt", Role::Liaison, Some(jt)),
    ] {
        sys.create_user(NewUser {
            username: u.into(),
            display_name: u.into(),
            role,
            agency_id: agency,
            password: PW.into(),
        })
        .await
        .unwrap();
    }
    (t, store)
}

async fn actor(store: &Store, username: &str) -> Actor {
    let ctx = RequestCtx::cli();
    match store.system(&ctx).login(username, PW, None).await.unwrap() {
        LoginOutcome::Ok(s) => s.actor,
        LoginOutcome::Failed(f) => panic!("{f:?}"),
    }
}

both!(
    migrations_are_idempotent_and_refuse_a_newer_database,
    |backend| async move {
        let t = TestDb::new(backend).await;
        let again = t.db.migrate().await.unwrap();
        assert!(again.applied.is_empty());
        assert_eq!(t.db.schema_version().await.unwrap(), again.current);
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')")
        .execute(t.db.pool())
        .await
        .unwrap();
        let err = t.db.migrate().await.unwrap_err();
        assert!(
            matches!(err, StoreError::DatabaseNewer { database: 999, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("请升级"), "{err}");
        t.cleanup().await;
    }
);

both!(an_edited_migration_is_detected, |backend| async move {
    let t = TestDb::new(backend).await;
    sqlx::query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
        .execute(t.db.pool())
        .await
        .unwrap();
    assert!(matches!(
        t.db.migrate().await,
        Err(StoreError::MigrationChanged { version: 1 })
    ));
    t.cleanup().await;
});

both!(
    the_audit_log_refuses_edits_and_deletions,
    |backend| async move {
        let (t, _store) = seeded(backend).await;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert!(n >= 5, "creations were audited: {n}");
        assert!(
            sqlx::query("UPDATE audit_log SET detail = 'x'")
                .execute(t.db.pool())
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM audit_log")
                .execute(t.db.pool())
                .await
                .is_err()
        );
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(n, after);
        t.cleanup().await;
    }
);

/// Lift the append-only triggers, as someone with the database's owner
/// account could, to tamper by hand.
async fn lift_triggers(db: &xingjian_store::Db) {
    let sql = match db.backend() {
        xingjian_store::Backend::Sqlite => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        xingjian_store::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER USER",
    };
    db.execute_raw(sql).await.unwrap();
}

fn codes(r: &xingjian_store::ChainReport) -> Vec<(&'static str, Option<i64>)> {
    r.problems.iter().map(|p| (p.code, p.seq)).collect()
}

both!(
    the_audit_chain_names_every_tampered_entry,
    |backend| async move {
        let (t, store) = seeded(backend).await;
        let ctx = RequestCtx::cli();
        // Concurrent writers are chained one at a time, without gaps.
        let mut writers = Vec::new();
        for i in 0..16 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let ctx = RequestCtx::cli();
                store
                    .system(&ctx)
                    .audit(xingjian_store::AuditEntry::new(
                        "test.concurrent",
                        "test",
                        Some(i.to_string()),
                        xingjian_store::Outcome::Ok,
                    ))
                    .await
                    .unwrap();
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let sys = store.system(&ctx);
        let r = sys.verify_audit(None).await.unwrap();
        assert!(r.intact(), "{:?}", r.problems);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert!(n >= 21, "{n}");
        assert_eq!((r.entries, r.head.seq), (n, n));
        let head = sys.audit_head().await.unwrap();
        assert!(
            sys.verify_audit(Some((head.seq, head.hash.clone())))
                .await
                .unwrap()
                .intact()
        );

        lift_triggers(&t.db).await;
        let raw = |sql: &str| {
            let db = t.db.clone();
            let sql = sql.to_owned();
            async move { db.execute_raw(&sql).await.unwrap() }
        };
        raw("UPDATE audit_log SET detail = '改过' WHERE seq = 3").await;
        raw("DELETE FROM audit_log WHERE seq = 5").await;
        // Entries 7 and 8 change places.
        raw("UPDATE audit_log SET seq = -8 WHERE seq = 8").await;
        raw("UPDATE audit_log SET seq = 8 WHERE seq = 7").await;
        raw("UPDATE audit_log SET seq = 7 WHERE seq = -8").await;
        raw(&format!("DELETE FROM audit_log WHERE seq = {n}")).await;
        raw("INSERT INTO audit_log (at, action, entity, outcome) VALUES ('2026-01-01T00:00:00.000000Z', 'x.y', 'x', 'ok')").await;
        let r = sys
            .verify_audit(Some((head.seq, head.hash.clone())))
            .await
            .unwrap();
        let found = codes(&r);
        for expected in [
            ("edited", Some(3)),
            ("missing", Some(5)),
            ("edited", Some(7)),
            ("edited", Some(8)),
            ("relinked", Some(9)),
            ("truncated", Some(n)),
            ("anchor_mismatch", Some(n)),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
        assert!(found.iter().any(|(c, _)| *c == "unchained"), "{found:?}");
        assert!(
            r.problems
                .iter()
                .any(|p| p.code == "edited" && p.seq == Some(3) && p.message.contains("被修改")),
            "{:?}",
            r.problems
        );
        // Nothing else is blamed: entry 4, 6 and 10 are intact.
        assert!(
            !found.iter().any(|(_, s)| matches!(s, Some(4 | 6 | 10))),
            "{found:?}"
        );
        t.cleanup().await;
    }
);

both!(
    entries_older_than_the_chain_are_chained_by_the_upgrade,
    |backend| async move {
        let t = TestDb::new_unmigrated(backend).await;
        t.db.migrate_to(7).await.unwrap();
        for i in 0..3 {
            t.db.execute_raw(&format!(
                "INSERT INTO audit_log (at, action, entity, entity_id, outcome) \
                 VALUES ('2023-0{}-01T00:00:00.000000Z', 'agency.create', 'agency', '{i}', 'ok')",
                i + 1
            ))
            .await
            .unwrap();
        }
        t.db.migrate().await.unwrap();
        let store = Store::new(t.db.clone());
        let ctx = RequestCtx::cli();
        let r = store.system(&ctx).verify_audit(None).await.unwrap();
        assert!(r.intact(), "{:?}", r.problems);
        assert_eq!((r.entries, r.head.seq), (3, 3));
        // New entries continue the chain; the old ones are now append-only too.
        store
            .system(&ctx)
            .audit(xingjian_store::AuditEntry::new(
                "test.after",
                "test",
                None,
                xingjian_store::Outcome::Ok,
            ))
            .await
            .unwrap();
        let r = store.system(&ctx).verify_audit(None).await.unwrap();
        assert!(r.intact() && r.entries == 4, "{:?}", r.problems);
        assert!(
            t.db.execute_raw("UPDATE audit_log SET detail = 'x' WHERE seq = 1")
                .await
                .is_err()
        );
        t.cleanup().await;
    }
);

both!(
    phone_numbers_are_sealed_at_rest_and_keys_rotate,
    |backend| async move {
        let (t, mut store) = seeded(backend).await;
        let old = [3u8; 32];
        let new = [4u8; 32];
        let ctx = RequestCtx::cli();
        let liaison = actor(&store, "liaison.jt").await;
        let id = liaison.user_id;
        let contact = xingjian_store::Contact {
            position: "科长".into(),
            phone: "13800138000".into(),
            ..Default::default()
        };
        // Written before any key: stored as typed.
        store.system(&ctx).set_contact(id, &contact).await.unwrap();
        let raw = || {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT phone FROM users WHERE username = 'liaison.jt'",
                )
                .fetch_one(db.pool())
                .await
                .unwrap()
            }
        };
        assert_eq!(raw().await, "13800138000");
        store.keyring = std::sync::Arc::new(xingjian_store::Keyring::new(old, &[]));
        let sys = store.system(&ctx);
        assert_eq!(sys.personal_data_keys().await.unwrap().get(""), Some(&1));
        assert_eq!(sys.reseal_personal_data().await.unwrap(), 1);
        let sealed = raw().await;
        assert!(
            sealed.starts_with("enc1:") && !sealed.contains("138001"),
            "{sealed}"
        );
        let me = store.as_actor(&liaison, &ctx);
        assert_eq!(me.contact_of(id).await.unwrap().phone, "13800138000");
        // Written with a key: sealed at once; the audit log keeps it masked.
        let mut c2 = contact.clone();
        c2.phone = "13912345678".into();
        me.set_contact(id, &c2).await.unwrap();
        assert!(raw().await.starts_with("enc1:"));
        let audit: Vec<String> = sqlx::query_scalar(
            "SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM audit_log \
             WHERE action = 'user.contact'",
        )
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        assert!(
            audit
                .iter()
                .all(|a| !a.contains("13912345678") && !a.contains("13800138000")),
            "{audit:?}"
        );
        assert!(audit.iter().any(|a| a.contains("139****5678")), "{audit:?}");

        // Rotation: the new key reads old values, re-seals them, then suffices.
        store.keyring = std::sync::Arc::new(xingjian_store::Keyring::new(new, &[old]));
        let sys = store.system(&ctx);
        assert_eq!(sys.reseal_personal_data().await.unwrap(), 1);
        assert_eq!(sys.reseal_personal_data().await.unwrap(), 0, "nothing left");
        store.keyring = std::sync::Arc::new(xingjian_store::Keyring::new(new, &[]));
        let keys = store.system(&ctx).personal_data_keys().await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            keys.keys().next().map(String::as_str),
            store.keyring.current_id()
        );
        let me = store.as_actor(&liaison, &ctx);
        assert_eq!(me.contact_of(id).await.unwrap().phone, "13912345678");
        // Without the key the value is unreadable: an error, never ciphertext shown as data.
        store.keyring = std::sync::Arc::new(xingjian_store::Keyring::new(old, &[]));
        assert!(store.as_actor(&liaison, &ctx).contact_of(id).await.is_err());
        t.cleanup().await;
    }
);

both!(
    a_runs_counts_come_from_its_summary_within_scope,
    |backend| async move {
        let (t, store) = seeded(backend).await;
        let ctx = RequestCtx::cli();
        let prosecutor = actor(&store, "prosecutor").await;
        let liaison = actor(&store, "liaison.jt").await;
        let sys = store.system(&ctx);
        let jt = sys.find_agency("区交通运输局").await.unwrap().unwrap().id.0;
        let ga = sys.find_agency("区公安局").await.unwrap().unwrap().id.0;
        let run = store
            .as_actor(&prosecutor, &ctx)
            .create_screening_run(&xingjian_store::NewRun {
                as_of: "2026-06-30".into(),
                dataset_ids: vec![],
                rules_json: "[]".into(),
                rule_count: 2,
            })
            .await
            .unwrap();
        let hit = |rule: &str, outcome: &str, agency: i64, name: &str, key: usize| {
            xingjian_store::NewHit {
                rule_id: rule.into(),
                rule_version: 1,
                outcome: outcome.into(),
                table_name: "penalty_cases".into(),
                agency_id: Some(agency),
                agency_name: name.into(),
                record_key: format!("K{key}"),
                explanation: String::new(),
                officers: vec![],
                dimensions: vec![],
                severity: "review".into(),
                source_file: "f".into(),
                source_row: key as i64,
            }
        };
        let mut hits = Vec::new();
        for k in 0..5 {
            hits.push(hit("XCF-42", "hit", jt, "区交通运输局", k));
        }
        for k in 5..8 {
            hits.push(hit("XCF-42", "incomplete", ga, "区公安局", k));
        }
        hits.push(hit("XCF-51", "hit", ga, "区公安局", 9));
        sys.finish_screening_run(run, hits, "{}", "[]")
            .await
            .unwrap();

        let staff = store.as_actor(&prosecutor, &ctx);
        assert_eq!(
            staff.hit_counts(run).await.unwrap(),
            vec![
                ("XCF-42".into(), "hit".into(), 5),
                ("XCF-42".into(), "incomplete".into(), 3),
                ("XCF-51".into(), "hit".into(), 1),
            ]
        );
        assert_eq!(staff.hit_agencies(run).await.unwrap().len(), 2);
        let own = store.as_actor(&liaison, &ctx);
        assert_eq!(
            own.hit_counts(run).await.unwrap(),
            vec![("XCF-42".into(), "hit".into(), 5)]
        );
        assert_eq!(
            own.hit_agencies(run).await.unwrap(),
            vec![(jt, "区交通运输局".to_owned())]
        );
        t.cleanup().await;
    }
);

both!(a_liaison_sees_only_its_agency, |backend| async move {
    let (t, store) = seeded(backend).await;
    let ctx = RequestCtx::default();
    let liaison = actor(&store, "liaison.jt").await;
    let prosecutor = actor(&store, "prosecutor").await;
    let ls = store.as_actor(&liaison, &ctx);
    let page = ls
        .list_agencies(&AgencyFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].name, "区交通运输局");
    let ga = store
        .system(&ctx)
        .find_agency("区公安局")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        ls.get_agency(ga.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        ls.get_agency(xingjian_domain::AgencyId(9999)).await,
        Err(StoreError::NotFound)
    ));
    // The guessed id is recorded as a refusal; the absent one is not.
    let admin = actor(&store, "admin").await;
    let log = store
        .as_actor(&admin, &ctx)
        .list_audit(
            &AuditFilter {
                action: Some("access.denied".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(
        log.items[0].entity_id.as_deref(),
        Some(ga.id.to_string().as_str())
    );
    assert_eq!(log.items[0].actor_username.as_deref(), Some("liaison.jt"));
    let all = store
        .as_actor(&prosecutor, &ctx)
        .list_agencies(&AgencyFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    // Search filters inside the scope, never beyond it.
    let f = AgencyFilter {
        q: Some("公安".into()),
        kind: None,
    };
    assert_eq!(
        ls.list_agencies(&f, PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );
    t.cleanup().await;
});

both!(
    only_the_administrator_changes_the_registry,
    |backend| async move {
        let (t, store) = seeded(backend).await;
        let ctx = RequestCtx::default();
        let prosecutor = actor(&store, "prosecutor").await;
        let input = AgencyInput {
            name: "区应急管理局".into(),
            aliases: vec![],
            kind: AgencyKind::Other,
        };
        let err = store
            .as_actor(&prosecutor, &ctx)
            .create_agency(input.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)));
        let admin = actor(&store, "admin").await;
        let a = store
            .as_actor(&admin, &ctx)
            .create_agency(input.clone())
            .await
            .unwrap();
        let dup = store
            .as_actor(&admin, &ctx)
            .create_agency(input.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(dup, StoreError::Conflict { field: "name", .. }),
            "{dup}"
        );
        let changed = AgencyInput {
            aliases: vec!["区应急局".into()],
            ..input
        };
        let a2 = store
            .as_actor(&admin, &ctx)
            .update_agency(a.id, a.version, changed.clone())
            .await
            .unwrap();
        assert_eq!(a2.version, a.version + 1);
        assert_eq!(a2.aliases, vec!["区应急局".to_owned()]);
        // A second writer holding the old version is refused, nothing is overwritten.
        let stale = store
            .as_actor(&admin, &ctx)
            .update_agency(a.id, a.version, changed)
            .await
            .unwrap_err();
        assert!(matches!(stale, StoreError::Stale));
        let found = store
            .system(&ctx)
            .find_agency("区应急局")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, a.id);
        t.cleanup().await;
    }
);

both!(
    repeated_failures_throttle_the_account,
    |backend| async move {
        let (t, store) = seeded(backend).await;
        let ctx = RequestCtx {
            ip: Some("10.0.0.1".into()),
            request_id: None,
        };
        let sys = store.system(&ctx);
        for _ in 0..5 {
            let r = sys
                .login("prosecutor", "wrong-password", None)
                .await
                .unwrap();
            assert!(matches!(
                r,
                LoginOutcome::Failed(LoginFailure::BadCredentials)
            ));
        }
        // Even the right password waits now.
        let r = sys.login("prosecutor", PW, None).await.unwrap();
        assert!(
            matches!(r, LoginOutcome::Failed(LoginFailure::Throttled { retry_after_secs }) if retry_after_secs > 0 && retry_after_secs <= 30)
        );
        // Another account from the same address is not affected yet.
        assert!(matches!(
            sys.login("admin", PW, None).await.unwrap(),
            LoginOutcome::Ok(_)
        ));
        t.cleanup().await;
    }
);

both!(
    sessions_expire_and_end_with_the_account,
    |backend| async move {
        let (t, mut store) = seeded(backend).await;
        let ctx = RequestCtx::default();
        store.sessions = SessionPolicy {
            idle: chrono::Duration::milliseconds(1500),
            absolute: chrono::Duration::hours(1),
        };
        let LoginOutcome::Ok(s) = store
            .system(&ctx)
            .login("prosecutor", PW, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert!(
            store
                .system(&ctx)
                .session(&s.token)
                .await
                .unwrap()
                .is_some()
        );
        tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
        assert!(
            store
                .system(&ctx)
                .session(&s.token)
                .await
                .unwrap()
                .is_none(),
            "idle session ended"
        );
        store.sessions = SessionPolicy {
            idle: chrono::Duration::hours(1),
            absolute: chrono::Duration::milliseconds(800),
        };
        let LoginOutcome::Ok(s) = store
            .system(&ctx)
            .login("prosecutor", PW, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        assert!(
            store
                .system(&ctx)
                .session(&s.token)
                .await
                .unwrap()
                .is_none(),
            "absolute limit reached"
        );
        store.sessions = SessionPolicy::default();
        let LoginOutcome::Ok(s) = store
            .system(&ctx)
            .login("prosecutor", PW, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        store
            .system(&ctx)
            .reset_password("prosecutor", "Another-Pass-99")
            .await
            .unwrap();
        assert!(
            store
                .system(&ctx)
                .session(&s.token)
                .await
                .unwrap()
                .is_none(),
            "password reset ends sessions"
        );
        t.cleanup().await;
    }
);

both!(
    long_lists_page_by_key_and_a_search_counts_to_a_thousand,
    |backend| async move {
        let (t, store) = seeded(backend).await;
        // 1,010 clues as an import by SQL would leave them: every 2nd says
        // 非法营运, every 5th is closed.
        t.db.execute_raw(
            "INSERT INTO clues (source, title, content, status, created_by_name, created_at, \
             received_at, plate, party, updated_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1010) \
             SELECT '12309', '线索' || CAST(i AS TEXT) || CASE WHEN i % 2 = 0 THEN '：非法营运' ELSE '' END, \
                    '内容', CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'new' END, '测试', \
                    '2023-01-01T00:00:00Z', '2023-01-01', '', '', '2023-01-01T00:00:00Z' FROM n",
        )
        .await
        .unwrap();
        let p = actor(&store, "prosecutor").await;
        let ctx = RequestCtx::cli();
        let s = store.as_actor(&p, &ctx);
        let list = |status: &str, q: &str, sort: &str, page: i64| {
            let f = xingjian_store::ClueFilter {
                status: (!status.is_empty()).then(|| status.to_owned()),
                q: (!q.is_empty()).then(|| q.to_owned()),
                sort: (!sort.is_empty()).then(|| sort.to_owned()),
                ..Default::default()
            };
            let s = &s;
            async move {
                s.list_clues(&f, PageRequest::new(Some(page), Some(200)))
                    .await
                    .unwrap()
            }
        };
        // Every page of one status, newest first: each clue once, in order.
        let mut seen = Vec::new();
        for page in 1..=5 {
            let got = list("new", "", "", page).await;
            assert_eq!((got.total, got.is_capped()), (808, false));
            seen.extend(got.items.iter().map(|c| c.id));
        }
        assert_eq!(seen.len(), 808);
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "newest first, no repeats"
        );
        // Oldest first, a deep page.
        let deep = list("", "", "oldest", 5).await;
        assert_eq!(deep.items.len(), 200);
        let first_id = list("", "", "oldest", 1).await.items[0].id;
        assert_eq!(deep.items[0].id, first_id + 800);
        // A search counts to 1,000: 505 matches are counted exactly…
        let found = list("", "非法营运", "", 1).await;
        assert_eq!((found.total, found.total_label()), (505, "505".to_owned()));
        assert!(found.items.iter().all(|c| c.title.contains("非法营运")));
        // …all 1,010 are "1000 以上", and paging still goes on.
        let all = list("", "线索", "", 1).await;
        assert_eq!(all.total_label(), "1000 以上");
        assert!(all.is_capped() && all.pages() >= 2);
        assert_eq!(list("", "线索", "", 6).await.items.len(), 10);
        // Without a search the same list counts them all.
        assert_eq!(list("", "", "", 1).await.total, 1010);
        drop(t);
    }
);
