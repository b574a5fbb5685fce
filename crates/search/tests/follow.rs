//! The index follows the audit log: changes are found after `catch_up`, a
//! restart resumes from the committed cursor, and `rebuild` gives the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use xingjian_domain::{Actor, AgencyInput, AgencyKind, ClueInput, NewUser, Role};
use xingjian_search::{SearchIndex, SearchQuery};
use xingjian_store::{RequestCtx, Store};
use xingjian_testkit::{TestDb, both};

async fn user(store: &Store, username: &str, role: Role, agency: Option<i64>) -> Actor {
    let ctx = RequestCtx::cli();
    let u = store
        .system(&ctx)
        .create_user(NewUser {
            username: username.into(),
            display_name: username.into(),
            role,
            agency_id: agency.map(xingjian_domain::AgencyId),
            password: "Test-Pass-2023".into(),
        })
        .await
        .unwrap();
    Actor::from_user(&u)
}

fn q(s: &str) -> SearchQuery {
    SearchQuery {
        q: s.into(),
        ..Default::default()
    }
}

both!(
    the_index_follows_changes_and_survives_a_restart,
    |backend| async move {
        let t = TestDb::new(backend).await;
        let store = Store::new(t.db.clone());
        let ctx = RequestCtx::cli();
        let jt = store
            .system(&ctx)
            .create_agency(AgencyInput {
                name: "区交通运输局".into(),
                aliases: vec![],
                kind: AgencyKind::Transport,
            })
            .await
            .unwrap()
            .id
            .0;
        let p = user(&store, "prosecutor", Role::Prosecutor, None).await;
        let l = user(&store, "liaison", Role::Liaison, Some(jt)).await;
        let dir = tempfile::tempdir().unwrap();
        let clue = |title: &'static str, plate: &'static str| ClueInput {
            source: "other".into(),
            title: title.into(),
            content: "反映扣押车辆时未当场交付决定书".into(),
            agency_id: Some(jt),
            received_at: "2026-06-01T09:00".into(),
            plate: plate.into(),
            ..Default::default()
        };
        let s = store.as_actor(&p, &ctx);
        s.create_clue(clue("高铁站扣车", "豫A·12345"))
            .await
            .unwrap();
        {
            let idx = SearchIndex::open(dir.path(), None).unwrap();
            assert!(idx.catch_up(&store).await.unwrap() > 0);
            let r = idx.search(&p, &q("决定书")).unwrap();
            assert_eq!(r.total, 1);
            assert_eq!(idx.search(&p, &q("豫a12345")).unwrap().total, 1);
            // Clues are the office's own: the liaison finds nothing.
            assert_eq!(idx.search(&l, &q("决定书")).unwrap().total, 0);
            // Another change; the process "dies" before following it.
            s.create_clue(clue("汽车站扣车", "豫A·54321"))
                .await
                .unwrap();
        }
        let idx = SearchIndex::open(dir.path(), None).unwrap();
        assert_eq!(
            idx.search(&p, &q("决定书")).unwrap().total,
            1,
            "as committed"
        );
        idx.catch_up(&store).await.unwrap();
        assert_eq!(idx.search(&p, &q("决定书")).unwrap().total, 2, "resumed");
        assert_eq!(idx.search(&p, &q("豫A 54321")).unwrap().total, 1);
        // A rebuild gives the same, and the cursor at the newest entry.
        let n = idx.rebuild(&store).await.unwrap();
        assert_eq!(n, 2);
        assert_eq!(idx.catch_up(&store).await.unwrap(), 0);
        assert_eq!(idx.search(&p, &q("扣车")).unwrap().total, 2);
        t.cleanup().await;
    }
);
