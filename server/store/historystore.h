#pragma once
// The durable chat history: every accepted message with its sequence number,
// in SQLite through Qt SQL. A message is committed here before anyone is
// told about it (ACK or MSG), so an acknowledged message survives a crash,
// kill -9 or power loss, and sequence numbers continue after a restart.
// Client message ids (SAYID cid) are stored with their message, so a retry
// after a reconnect or a server restart is recognised as a duplicate.
// Synchronous, and used by one thread only (Qt SQL's rule): the server
// runs it on StoreThread, which groups appends into transactions.

#include "protocol.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <limits>
#include <memory>
#include <optional>

namespace longline::server {

class HistoryStore
{
public:
    struct Page
    {
        QList<protocol::ChatMessage> messages; // oldest first
        bool more = false;                     // messages beyond the last one remain
    };

    HistoryStore();
    ~HistoryStore();
    HistoryStore(const HistoryStore &) = delete;
    HistoryStore &operator=(const HistoryStore &) = delete;

    // Opens (creating when needed) the database at `path` (":memory:" for a
    // throw-away one) and prepares the schema.
    bool open(const QString &path, QString *error);
    void close();
    bool isOpen() const { return m_db.isOpen(); }
    QString journalMode() const { return m_journalMode; }

    qint64 lastSeq() const { return m_lastSeq; } // 0 when empty
    // Reads it from the file again: another process (the one a --take-over
    // replaced) may have stored messages since open().
    bool rereadLastSeq(QString *error);

    // Between begin() and commit(), appends share one transaction (one
    // fsync); rollback() undoes them. Without begin(), each append is its
    // own transaction.
    bool begin(QString *error);
    bool commit(QString *error);
    void rollback();

    // Stores a message; `cid` may be empty. `nickKey` is the case-folded
    // nick the cid belongs to. Returns the stored message with its seq.
    std::optional<protocol::ChatMessage> append(const QString &nick, const QString &nickKey,
                                                const QString &text, const QString &cid,
                                                const QDateTime &time, QString *error);
    // The message stored earlier under (nickKey, cid), if any.
    std::optional<protocol::ChatMessage> findByCid(const QString &nickKey, const QString &cid);
    // Messages with since < seq <= upTo, oldest first, at most `max`.
    Page page(qint64 since, int max, QString *error = nullptr,
              qint64 upTo = std::numeric_limits<qint64>::max());

private:
    bool exec(const QString &sql, QString *error);
    // PRAGMA quick_check; false (with the recovery command in *error) when
    // the file is damaged.
    bool checkIntegrity(const QString &path, QString *error);
    protocol::ChatMessage messageFrom(const QSqlQuery &query) const;

    QString m_connectionName;
    QSqlDatabase m_db;
    std::unique_ptr<QSqlQuery> m_insert;
    std::unique_ptr<QSqlQuery> m_byCid;
    std::unique_ptr<QSqlQuery> m_page;
    qint64 m_lastSeq = 0;
    QString m_journalMode;
};

} // namespace longline::server
