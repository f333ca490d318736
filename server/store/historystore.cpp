#include "historystore.h"

#include <QAtomicInteger>
#include <QSqlError>
#include <QVariant>

namespace longline::server {

namespace {
QAtomicInteger<int> connectionCounter;

// Bump when the schema changes; open() refuses newer files.
constexpr int SchemaVersion = 1;
// How long a write waits for another process's lock (a server starting with
// --take-over opens the file while the old one still writes) before the
// batch fails.
constexpr int BusyTimeoutMs = 5000;
} // namespace

HistoryStore::HistoryStore()
    : m_connectionName(
          QStringLiteral("longline-history-%1").arg(connectionCounter.fetchAndAddRelaxed(1)))
{
}

HistoryStore::~HistoryStore()
{
    close();
}

bool HistoryStore::exec(const QString &sql, QString *error)
{
    QSqlQuery q(m_db);
    if (q.exec(sql))
        return true;
    if (error)
        *error = QStringLiteral("%1: %2").arg(sql, q.lastError().text());
    return false;
}

bool HistoryStore::checkIntegrity(const QString &path, QString *error)
{
    // quick_check reads every page (not the index-to-table cross checks of
    // integrity_check), so a damaged file is refused at startup instead of
    // failing every SAYID later.
    QSqlQuery check(m_db);
    QStringList problems;
    if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
        problems.append(check.lastError().text());
    } else {
        while (check.next() && problems.size() < 3)
            problems.append(check.value(0).toString());
    }
    if (problems == QStringList{QStringLiteral("ok")})
        return true;
    if (error)
        *error =
            QStringLiteral(
                "history database %1 is damaged (quick_check: %2); not starting on it. Stop the "
                "server, keep the file, and recover what is readable into a new one: "
                "sqlite3 '%1' .recover | sqlite3 '%1.recovered' (where .recover fails, as with "
                "Debian 12's sqlite3 3.40: sqlite3 '%1' .dump | "
                "sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 '%1.recovered'), "
                "then start with --db '%1.recovered'")
                .arg(path, problems.join(QStringLiteral("; ")));
    return false;
}

bool HistoryStore::open(const QString &path, QString *error)
{
    close();
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        if (error)
            *error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed "
                                    "(Debian: libqt6sql6-sqlite)");
        return false;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(path);
    // Another process may hold the write lock for a moment: a server
    // starting with --take-over (or `longline-server check`) opens the same
    // file while this one still serves. Wait for it instead of failing.
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(BusyTimeoutMs));
    if (!m_db.open()) {
        if (error)
            *error = QStringLiteral("cannot open history database %1: %2")
                         .arg(path, m_db.lastError().text());
        close();
        return false;
    }
    if (!checkIntegrity(path, error)) {
        close();
        return false;
    }
    {
        QSqlQuery mode(m_db);
        // WAL: readers (HISTORY) never block the writer, and a commit is one
        // sequential append to the log instead of rewriting pages.
        if (mode.exec(QStringLiteral("PRAGMA journal_mode=WAL")) && mode.next())
            m_journalMode = mode.value(0).toString();
    }
    // synchronous=FULL: with WAL, NORMAL could lose the last commits on a
    // power cut, and an ACK promises the message is stored. FULL syncs the
    // WAL on each commit; at chat rates (at most --rate per client per 10 s)
    // that fsync is affordable.
    QString err;
    if (!exec(QStringLiteral("PRAGMA synchronous=FULL"), &err) ||
        !exec(QStringLiteral("CREATE TABLE IF NOT EXISTS messages ("
                             " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                             " time_ms INTEGER NOT NULL,"
                             " nick TEXT NOT NULL,"
                             " nick_key TEXT NOT NULL,"
                             " text TEXT NOT NULL,"
                             " cid TEXT)"),
              &err) ||
        !exec(QStringLiteral("CREATE UNIQUE INDEX IF NOT EXISTS messages_cid"
                             " ON messages(nick_key, cid) WHERE cid IS NOT NULL"),
              &err)) {
        if (error)
            *error = QStringLiteral("cannot prepare history database %1: %2").arg(path, err);
        close();
        return false;
    }
    {
        QSqlQuery v(m_db);
        const int version =
            v.exec(QStringLiteral("PRAGMA user_version")) && v.next() ? v.value(0).toInt() : -1;
        if (version > SchemaVersion) {
            if (error)
                *error = QStringLiteral("history database %1 has schema version %2, newer than "
                                        "this server understands (%3)")
                             .arg(path)
                             .arg(version)
                             .arg(SchemaVersion);
            close();
            return false;
        }
        // Written only when it changes: a write takes the database's lock,
        // which a server still serving from this file needs.
        if (version != SchemaVersion)
            exec(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion), nullptr);
    }
    if (!rereadLastSeq(error)) {
        close();
        return false;
    }
    m_insert = std::make_unique<QSqlQuery>(m_db);
    m_byCid = std::make_unique<QSqlQuery>(m_db);
    m_page = std::make_unique<QSqlQuery>(m_db);
    if (!m_insert->prepare(QStringLiteral("INSERT INTO messages (time_ms, nick, nick_key, text, "
                                          "cid) VALUES (?, ?, ?, ?, ?)")) ||
        !m_byCid->prepare(QStringLiteral("SELECT seq, time_ms, nick, text FROM messages"
                                         " WHERE nick_key = ? AND cid = ?")) ||
        !m_page->prepare(QStringLiteral("SELECT seq, time_ms, nick, text FROM messages"
                                        " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"))) {
        if (error)
            *error = QStringLiteral("cannot prepare history queries: %1")
                         .arg(m_insert->lastError().text());
        close();
        return false;
    }
    return true;
}

bool HistoryStore::rereadLastSeq(QString *error)
{
    QSqlQuery last(m_db);
    if (!last.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM messages")) || !last.next()) {
        if (error)
            *error = QStringLiteral("cannot read history database %1: %2")
                         .arg(m_db.databaseName(), last.lastError().text());
        return false;
    }
    m_lastSeq = last.value(0).toLongLong();
    return true;
}

bool HistoryStore::begin(QString *error)
{
    // IMMEDIATE: the write lock is taken here, where SQLite's busy timeout
    // waits for it. A deferred transaction that reads (the duplicate check)
    // before it writes fails at once with SQLITE_BUSY when another process
    // wrote in between, and its messages would be refused.
    return exec(QStringLiteral("BEGIN IMMEDIATE"), error);
}

bool HistoryStore::commit(QString *error)
{
    return exec(QStringLiteral("COMMIT"), error);
}

void HistoryStore::rollback()
{
    // An error may have rolled the transaction back already; then this
    // fails harmlessly. The seqs handed out in it were never stored.
    exec(QStringLiteral("ROLLBACK"), nullptr);
    rereadLastSeq(nullptr);
}

void HistoryStore::close()
{
    m_insert.reset();
    m_byCid.reset();
    m_page.reset();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    m_lastSeq = 0;
}

protocol::ChatMessage HistoryStore::messageFrom(const QSqlQuery &query) const
{
    protocol::ChatMessage m;
    m.seq = query.value(0).toLongLong();
    m.time = QDateTime::fromMSecsSinceEpoch(query.value(1).toLongLong(), Qt::UTC);
    m.nick = query.value(2).toString();
    m.text = query.value(3).toString();
    return m;
}

std::optional<protocol::ChatMessage> HistoryStore::append(const QString &nick,
                                                          const QString &nickKey,
                                                          const QString &text, const QString &cid,
                                                          const QDateTime &time, QString *error)
{
    if (!m_insert) {
        if (error)
            *error = QStringLiteral("history database is not open");
        return std::nullopt;
    }
    const qint64 ms = time.toMSecsSinceEpoch();
    m_insert->bindValue(0, ms);
    m_insert->bindValue(1, nick);
    m_insert->bindValue(2, nickKey);
    m_insert->bindValue(3, text);
    m_insert->bindValue(4,
                        cid.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(cid));
    if (!m_insert->exec()) {
        if (error)
            *error = m_insert->lastError().text();
        m_insert->finish();
        return std::nullopt;
    }
    protocol::ChatMessage m;
    m.seq = m_insert->lastInsertId().toLongLong();
    m.time = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    m.nick = nick;
    m.text = text;
    m_insert->finish();
    m_lastSeq = m.seq;
    return m;
}

std::optional<protocol::ChatMessage> HistoryStore::findByCid(const QString &nickKey,
                                                             const QString &cid)
{
    if (!m_byCid || cid.isEmpty())
        return std::nullopt;
    m_byCid->bindValue(0, nickKey);
    m_byCid->bindValue(1, cid);
    std::optional<protocol::ChatMessage> found;
    if (m_byCid->exec() && m_byCid->next())
        found = messageFrom(*m_byCid);
    m_byCid->finish();
    return found;
}

HistoryStore::Page HistoryStore::page(qint64 since, int max, QString *error, qint64 upTo)
{
    Page p;
    if (!m_page || max <= 0)
        return p;
    // One extra row tells whether more remain without a COUNT query.
    m_page->bindValue(0, since);
    m_page->bindValue(1, upTo);
    m_page->bindValue(2, max + 1);
    if (!m_page->exec()) {
        if (error)
            *error = m_page->lastError().text();
        m_page->finish();
        return p;
    }
    while (m_page->next()) {
        if (p.messages.size() == max) {
            p.more = true;
            break;
        }
        p.messages.append(messageFrom(*m_page));
    }
    m_page->finish();
    return p;
}

} // namespace longline::server
