//! The SMTP adapter drains the outbox into a real SMTP conversation (a small
//! in-test server on a random port), on both backends; failures are retried.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use xingjian_domain::{AgencyInput, AgencyKind, NewUser, Role, UserId};
use xingjian_notify::{SmtpAdapter, SmtpConfig, drain_once};
use xingjian_store::{Contact, ExchangeInput, LoginOutcome, RequestCtx, Store};
use xingjian_testkit::{TestDb, both};

const PW: &str = "Test-Pass-2023";

/// Accepts SMTP sessions and records each message's recipients and data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<(Vec<String>, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let sink = sink.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.ok();
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.ok();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        sink.lock().unwrap().push((std::mem::take(&mut rcpt), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.ok();
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    w.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, got)
}

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: "none".into(),
        username: String::new(),
        password: String::new(),
        from: "行检系统 <xingjian@example.gov.cn>".into(),
        public_url: "https://xj.example.gov.cn".into(),
    }
}

both!(
    notifications_reach_the_liaison_by_mail_once,
    |backend| async move {
        let t = TestDb::new(backend).await;
        let store = Store::new(t.db.clone());
        let ctx = RequestCtx::cli();
        let sys = store.system(&ctx);
        let jt = sys
            .create_agency(AgencyInput {
                name: "区交通运输局".into(),
                aliases: vec![],
                kind: AgencyKind::Transport,
            })
            .await
            .unwrap();
        for (u, role, agency) in [
            ("admin", Role::Admin, None),
            ("prosecutor", Role::Prosecutor, None),
            ("liaison.jt", Role::Liaison, Some(jt.id)),
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
        let login = |u: &'static str| {
            let store = &store;
            async move {
                match store
                    .system(&RequestCtx::cli())
                    .login(u, PW, None)
                    .await
                    .unwrap()
                {
                    LoginOutcome::Ok(s) => s.actor,
                    LoginOutcome::Failed(f) => panic!("{f:?}"),
                }
            }
        };
        let admin = login("admin").await;
        let liaison = login("liaison.jt").await;
        store
            .as_actor(&admin, &ctx)
            .set_contact(
                UserId(liaison.user_id.0),
                &Contact {
                    position: "法规科科长".into(),
                    phone: "0371-1234567".into(),
                    email: "liaison@example.gov.cn".into(),
                    ..Contact::default()
                },
            )
            .await
            .unwrap();
        let prosecutor = login("prosecutor").await;
        let x = store
            .as_actor(&prosecutor, &ctx)
            .create_exchange(ExchangeInput {
                kind: "case_notice".into(),
                agency_id: Some(jt.id.0),
                title: "关于某客运公司非法营运案的通报".into(),
                content: "请核查。".into(),
                ..ExchangeInput::default()
            })
            .await
            .unwrap();

        // A server that is down: the attempt fails and is retried later.
        let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_port = dead.local_addr().unwrap().port();
        drop(dead);
        let report = drain_once(&store, &SmtpAdapter::new(&config(dead_port)).unwrap())
            .await
            .unwrap();
        assert_eq!((report.sent, report.failed), (0, 1));
        let (port, got) = smtp_server().await;
        let adapter = SmtpAdapter::new(&config(port)).unwrap();
        let report = drain_once(&store, &adapter).await.unwrap();
        assert_eq!(
            (report.sent, report.failed),
            (0, 0),
            "not before its retry time"
        );
        sqlx::query("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'")
            .execute(t.db.pool())
            .await
            .unwrap();
        let report = drain_once(&store, &adapter).await.unwrap();
        assert_eq!((report.sent, report.failed), (1, 0));
        let report = drain_once(&store, &adapter).await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 0), "sent once only");
        let mails = got.lock().unwrap().clone();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].0, vec!["<liaison@example.gov.cn>".to_owned()]);
        let data = &mails[0].1;
        assert!(
            data.contains("From:") && data.contains("xingjian@example.gov.cn"),
            "{data}"
        );
        let counts = store.as_actor(&admin, &ctx).outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.sent, counts.failed), (0, 1, 0));
        // A message queued long ago (no adapter then) expires instead of going out late.
        store
            .as_actor(&prosecutor, &ctx)
            .create_exchange(ExchangeInput {
                kind: "case_notice".into(),
                agency_id: Some(jt.id.0),
                title: "旧通报".into(),
                content: "内容".into(),
                ..ExchangeInput::default()
            })
            .await
            .unwrap();
        sqlx::query(
            "UPDATE outbox SET created_at = '2020-01-01T00:00:00Z' WHERE status = 'pending'",
        )
        .execute(t.db.pool())
        .await
        .unwrap();
        let report = drain_once(&store, &adapter).await.unwrap();
        assert_eq!((report.sent, report.failed), (0, 0));
        let counts = store.as_actor(&admin, &ctx).outbox_counts().await.unwrap();
        assert_eq!((counts.sent, counts.expired), (1, 1));
        assert_eq!(got.lock().unwrap().len(), 1);
        assert!(x.id > 0);
        t.cleanup().await;
    }
);

#[test]
fn a_bad_sender_or_security_is_refused_at_start() {
    let mut c = config(25);
    c.from = "not an address".into();
    assert!(SmtpAdapter::new(&c).is_err());
    let mut c = config(25);
    c.security = "ssl".into();
    let err = SmtpAdapter::new(&c).err().expect("refused").to_string();
    assert!(err.contains("none、starttls 或 tls"), "{err}");
}
