//! The mail outbox in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp as SqlTimestamp};
use tokenauth_application::{Outbox, QueuedMail, RepositoryError};
use tokenauth_domain::{Email, Mail, MailId, Timestamp};

use crate::Database;
use crate::connection::DbConnection;
use crate::models::naive;
use crate::schema::mail_outbox;

/// Messages waiting for delivery, in the service's database.
#[derive(Debug, Clone)]
pub struct DieselOutbox {
    db: Database,
}

impl DieselOutbox {
    /// Outbox over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    recipient: String,
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Nullable<Text>)]
    body: Option<String>,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Moves the lease of what is due and returns it, in one statement. On
/// PostgreSQL the rows are locked and rows another process holds are
/// skipped, so concurrent claims never share a message; SQLite's single
/// writer gives the same guarantee.
fn claim_statement(conn: &DbConnection, only_one: bool) -> String {
    let lock = match conn {
        DbConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let (first, second, third, fourth) = match conn {
        DbConnection::Postgresql(_) => ("$1", "$2", "$3", "$4"),
        DbConnection::Sqlite(_) => ("?1", "?2", "?3", "?4"),
    };
    let only = if only_one {
        format!(" AND id = {fourth}")
    } else {
        String::new()
    };
    format!(
        "UPDATE mail_outbox SET next_attempt = {first} WHERE id IN (\
         SELECT id FROM mail_outbox WHERE next_attempt <= {second}{only} \
         ORDER BY next_attempt LIMIT {third}{lock}) \
         RETURNING id, recipient, subject, body, failures"
    )
}

impl Outbox for DieselOutbox {
    fn enqueue(&self, id: MailId, mail: &Mail, now: Timestamp) -> Result<(), RepositoryError> {
        self.db
            .run(|conn| insert_mail(conn, id, mail, now))
            .map(drop)
    }

    fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        only: Option<MailId>,
    ) -> Result<Vec<QueuedMail>, RepositoryError> {
        let rows: Vec<ClaimedRow> = self.db.write(|conn| {
            let statement = claim_statement(conn, only.is_some());
            let query = diesel::sql_query(statement)
                .bind::<SqlTimestamp, _>(naive(lease_until))
                .bind::<SqlTimestamp, _>(naive(now));
            match only {
                Some(id) => query
                    .bind::<BigInt, _>(i64::from(limit))
                    .bind::<Text, _>(id.to_string())
                    .load(conn),
                None => query.bind::<BigInt, _>(i64::from(limit)).load(conn),
            }
        })?;
        rows.into_iter()
            .filter_map(|row| {
                // A body is gone only once the message is done; a done
                // message is never due, so this is corruption: skip it.
                let body = row.body?;
                Some(Ok(QueuedMail {
                    id: MailId::parse(&row.id)?,
                    mail: Mail {
                        to: Email::from_trusted(row.recipient),
                        subject: row.subject,
                        body,
                    },
                    failures: u32::try_from(row.failures).unwrap_or(0),
                }))
            })
            .collect()
    }

    fn mark_sent(&self, id: MailId, at: Timestamp) -> Result<(), RepositoryError> {
        self.finish(id, None, "sent", at)
    }

    fn mark_failed(
        &self,
        id: MailId,
        failures: u32,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<(), RepositoryError> {
        let failures = i32::try_from(failures).unwrap_or(i32::MAX);
        match retry_at {
            Some(retry_at) => self
                .db
                .run(|conn| {
                    diesel::update(mail_outbox::table.find(id.to_string()))
                        .set((
                            mail_outbox::failures.eq(failures),
                            mail_outbox::next_attempt.eq(naive(retry_at)),
                        ))
                        .execute(conn)
                })
                .map(drop),
            None => self.finish(id, Some(failures), "given_up", at),
        }
    }

    fn pending(&self) -> Result<u64, RepositoryError> {
        let count: i64 = self.db.run(|conn| {
            mail_outbox::table
                .filter(mail_outbox::next_attempt.is_not_null())
                .count()
                .get_result(conn)
        })?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn delete_finished(&self) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(mail_outbox::table.filter(mail_outbox::next_attempt.is_null()))
                .execute(conn)
        })
    }
}

impl DieselOutbox {
    /// Ends a message: no longer due, its body deleted.
    fn finish(
        &self,
        id: MailId,
        failures: Option<i32>,
        outcome: &str,
        at: Timestamp,
    ) -> Result<(), RepositoryError> {
        self.db
            .run(|conn| {
                let done = (
                    mail_outbox::body.eq(None::<String>),
                    mail_outbox::next_attempt.eq(None::<NaiveDateTime>),
                    mail_outbox::finished.eq(naive(at)),
                    mail_outbox::outcome.eq(outcome),
                );
                let target = mail_outbox::table.find(id.to_string());
                match failures {
                    Some(failures) => diesel::update(target)
                        .set((done, mail_outbox::failures.eq(failures)))
                        .execute(conn),
                    None => diesel::update(target).set(done).execute(conn),
                }
            })
            .map(drop)
    }
}

/// Queues `mail`, due at `now`, on `conn`: inside the caller's transaction
/// when the message goes with a change (a key, an account move).
pub(crate) fn insert_mail(
    conn: &mut DbConnection,
    id: MailId,
    mail: &Mail,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(id.to_string()),
            mail_outbox::recipient.eq(mail.to.as_str()),
            mail_outbox::subject.eq(&mail.subject),
            mail_outbox::body.eq(&mail.body),
            mail_outbox::created.eq(naive(now)),
            mail_outbox::next_attempt.eq(naive(now)),
        ))
        .execute(conn)
}
