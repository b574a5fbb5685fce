//! Delivery adapters that drain the store's outbox. One adapter today: SMTP
//! (off by default; enabled by the `[smtp]` configuration section). A
//! government-messaging gateway would be a second `Deliver` implementation.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use xingjian_store::{OutboxMessage, RequestCtx, Store};

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("邮件配置有误：{0}")]
    Config(String),
    #[error("发送失败：{0}")]
    Send(String),
    #[error(transparent)]
    Store(#[from] xingjian_store::StoreError),
}

/// How the SMTP adapter connects.
#[derive(Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// none | starttls | tls
    #[serde(default = "default_security")]
    pub security: String,
    #[serde(default)]
    pub username: String,
    /// Best given by environment (`XINGJIAN_SMTP__PASSWORD`); never written back out.
    #[serde(default, skip_serializing)]
    pub password: String,
    /// The sender, e.g. `行检系统 <xingjian@example.gov.cn>`.
    pub from: String,
    /// Prefixed to the relative links in messages, e.g. `https://xj.example.gov.cn`.
    #[serde(default)]
    pub public_url: String,
}

/// The password never appears in logs or `check-config`.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() {
                    ""
                } else {
                    "[hidden]"
                },
            )
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .finish()
    }
}

fn default_port() -> u16 {
    587
}
fn default_security() -> String {
    "starttls".into()
}

/// Something that can deliver one outbox message.
pub trait Deliver: Send + Sync {
    /// The outbox channel this adapter drains.
    fn channel(&self) -> &'static str;
    fn deliver(
        &self,
        m: &OutboxMessage,
    ) -> impl std::future::Future<Output = Result<(), NotifyError>> + Send;
}

pub struct SmtpAdapter {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl SmtpAdapter {
    pub fn new(c: &SmtpConfig) -> Result<Self, NotifyError> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e| NotifyError::Config(format!("smtp.from “{}”：{e}", c.from)))?;
        let builder = match c.security.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                .map_err(|e| NotifyError::Config(e.to_string()))?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host)
                .map_err(|e| NotifyError::Config(e.to_string()))?,
            other => {
                return Err(NotifyError::Config(format!(
                    "smtp.security 应为 none、starttls 或 tls，而不是“{other}”"
                )));
            }
        };
        let mut builder = builder
            .port(c.port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if !c.username.is_empty() {
            builder = builder.credentials(Credentials::new(c.username.clone(), c.password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            public_url: c.public_url.trim_end_matches('/').to_owned(),
        })
    }
}

impl Deliver for SmtpAdapter {
    fn channel(&self) -> &'static str {
        "email"
    }

    async fn deliver(&self, m: &OutboxMessage) -> Result<(), NotifyError> {
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| NotifyError::Send(format!("收件人地址“{}”无效：{e}", m.recipient)))?;
        // Relative links become absolute when the public address is known.
        let body = if self.public_url.is_empty() {
            m.body.clone()
        } else {
            m.body
                .replace("详情：/", &format!("详情：{}/", self.public_url))
        };
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| NotifyError::Send(e.to_string()))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| NotifyError::Send(e.to_string()))
    }
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: usize,
    pub failed: usize,
}

/// Claim due messages for the adapter's channel, deliver each, and record
/// the outcome (failures are retried later with backoff by the store).
pub async fn drain_once(store: &Store, adapter: &impl Deliver) -> Result<DrainReport, NotifyError> {
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    let mut report = DrainReport::default();
    for m in sys.claim_outbox(adapter.channel(), 50).await? {
        match adapter.deliver(&m).await {
            Ok(()) => {
                sys.outbox_sent(m.id).await?;
                report.sent += 1;
            }
            Err(e) => {
                tracing::warn!(outbox_id = m.id, error = %e, "outbox delivery failed");
                sys.outbox_failed(m.id, &e.to_string()).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}
