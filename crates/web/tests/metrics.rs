//! `/metrics`: Prometheus text for an administrator or the configured token, nobody else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestApp;
use xingjian_testkit::both;

both!(metrics_for_administrators_only, |backend| async move {
    let app = TestApp::start(backend).await;
    let anon = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    let p = app.login("prosecutor").await;
    assert_eq!(p.get("/metrics").await.status(), 401);
    let a = app.login("admin").await;
    let _ = a.get("/agencies").await;
    let r = a.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for m in [
        "xingjian_http_requests_total{",
        "route=\"/agencies\"",
        "xingjian_http_request_duration_seconds_bucket{",
        "xingjian_database_up 1",
        "xingjian_audit_chain_entries ",
        "xingjian_open_deadlines ",
        "# EOF",
    ] {
        assert!(text.contains(m), "{m} missing in:\n{text}");
    }
    app.stop().await;
});
