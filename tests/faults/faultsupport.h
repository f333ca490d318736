#pragma once
// Helpers for the fault tests: a steady message stream per ChatClient, the
// checks every delivery guarantee needs (order, completeness, exactly once),
// an audit of the server's SQLite file, and a scoped nftables table that is
// removed even when a test fails half-way. Header-only, no moc needed.

#include "../support/systemtools.h"
#include "chatclient.h"
#include "clitestsupport.h"

#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTimer>
#include <optional>

namespace longline::faults {

// Queues a new, distinct message on one ChatClient every `period` while
// running (online or not: the outbox keeps what cannot go out yet), and
// remembers every client id with its text.
class SteadySender
{
public:
    SteadySender(ChatClient *client, QString tag, Millis period)
        : m_client(client), m_tag(std::move(tag))
    {
        m_timer.setInterval(period);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { sendOne(); });
    }

    void start() { m_timer.start(); }
    void stop() { m_timer.stop(); }
    int sent() const { return static_cast<int>(m_texts.size()); }
    const QStringList &texts() const { return m_texts; }
    QString textOf(const QString &cid) const { return m_textByCid.value(cid); }

private:
    void sendOne()
    {
        const QString text = QStringLiteral("%1 message %2").arg(m_tag).arg(m_texts.size() + 1);
        const QString cid = m_client->send(text);
        m_texts.append(text);
        m_textByCid.insert(cid, text);
    }

    ChatClient *m_client;
    QString m_tag;
    QTimer m_timer;
    QStringList m_texts;
    QHash<QString, QString> m_textByCid;
};

// A free port on 127.0.0.1 outside the kernel's ephemeral range, so no
// outgoing connection of a parallel test can take it while a killed server
// is down: the restart must get the same port back.
inline quint16 restartablePort()
{
    int ephemeralLow = 32768; // Linux default of net.ipv4.ip_local_port_range
    QFile range(QStringLiteral("/proc/sys/net/ipv4/ip_local_port_range"));
    if (range.open(QIODevice::ReadOnly))
        ephemeralLow = QString::fromLatin1(range.readAll()).simplified().section(' ', 0, 0).toInt();
    const int low = 10000;
    const int high = std::max(low + 1000, ephemeralLow);
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto port = static_cast<quint16>(QRandomGenerator::global()->bounded(low, high));
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, port))
            return port;
    }
    return testing::closedPort(); // everything taken: fall back to any free port
}

// Empty when the seqs strictly increase (each seq delivered at most once,
// in order); otherwise says where they did not.
inline QString orderViolation(const QList<protocol::ChatMessage> &messages)
{
    for (int i = 1; i < messages.size(); ++i) {
        if (messages.at(i).seq <= messages.at(i - 1).seq)
            return QStringLiteral("seq %1 came after seq %2 (position %3)")
                .arg(messages.at(i).seq)
                .arg(messages.at(i - 1).seq)
                .arg(i);
    }
    return {};
}

inline QList<qint64> seqsOf(const QList<protocol::ChatMessage> &messages)
{
    QList<qint64> seqs;
    for (const auto &m : messages)
        seqs.append(m.seq);
    return seqs;
}

// How many times each text occurs.
inline QHash<QString, int> textCounts(const QList<protocol::ChatMessage> &messages)
{
    QHash<QString, int> counts;
    for (const auto &m : messages)
        ++counts[m.text];
    return counts;
}

// Every message in the server's history file, oldest first, read with Qt SQL
// straight from the file (the server must be stopped; a WAL left by a killed
// server is replayed on open, as the server itself would).
inline std::optional<QList<protocol::ChatMessage>> readHistoryFile(const QString &path,
                                                                   QString *error)
{
    const QString connection = QStringLiteral("fault-audit");
    std::optional<QList<protocol::ChatMessage>> result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (!db.open()) {
            *error = db.lastError().text();
        } else {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("SELECT seq, nick, text FROM messages ORDER BY seq"))) {
                *error = q.lastError().text();
            } else {
                result.emplace();
                while (q.next()) {
                    protocol::ChatMessage m;
                    m.seq = q.value(0).toLongLong();
                    m.nick = q.value(1).toString();
                    m.text = q.value(2).toString();
                    result->append(m);
                }
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return result;
}

// A fresh client that reads the whole history the server serves (HISTORY
// paging) and nothing else: what any newcomer would see.
class HistoryReader
{
public:
    explicit HistoryReader(const QString &nick) : m_nick(nick), m_recorder(&m_client)
    {
        m_client.setAutoReconnect(false);
        m_client.setInitialHistory(HistoryAll);
    }
    // Connects and waits until every message up to the server's last seq
    // (as WELCOME announced it) has arrived.
    bool read(const QString &host, quint16 port, int timeoutMs)
    {
        m_client.connectToServer(host, port, m_nick);
        return testing::waitFor(
            [this] {
                const auto welcome = m_client.welcomeInfo();
                return welcome && m_client.lastSeq() >= welcome->seq;
            },
            timeoutMs);
    }
    const QList<protocol::ChatMessage> &messages() const { return m_recorder.messages; }
    bool allFromHistory() const { return !m_recorder.fromHistory.contains(false); }

private:
    // More than any test stores: start from seq 0.
    static constexpr int HistoryAll = 1000000;
    QString m_nick;
    ChatClient m_client;
    testing::ClientRecorder m_recorder;
};

// Runs an nftables script (`nft -f -`); false with nft's complaint in *error.
inline bool nft(const QString &script, QString *error = nullptr)
{
    return longline::test::runNft(script, error);
}

// One nftables table with an input-hook chain holding the test's drop rules.
// On loopback every packet, in either direction, passes the input hook once,
// so input rules alone can cut one direction or both. The table is deleted
// by remove() and by the destructor, so a failing test leaves no rule behind.
class ScopedCut
{
public:
    explicit ScopedCut(QString table) : m_table(std::move(table)) { remove(); }
    ~ScopedCut() { remove(); }
    ScopedCut(const ScopedCut &) = delete;
    ScopedCut &operator=(const ScopedCut &) = delete;

    // Replaces the table's rules with `rules` (one nft rule per line).
    bool apply(const QStringList &rules, QString *error)
    {
        remove();
        QString script = QStringLiteral("table inet %1 {\n"
                                        "  chain input { type filter hook input priority -10;"
                                        " policy accept;\n")
                             .arg(m_table);
        for (const QString &rule : rules)
            script += QStringLiteral("    %1\n").arg(rule);
        script += QStringLiteral("  }\n}\n");
        return nft(script, error);
    }
    // Deletes the table if it exists: adding first makes the delete succeed
    // either way (nft 1.0.6 in Debian 12 has no "destroy").
    void remove() { nft(QStringLiteral("add table inet %1\ndelete table inet %1\n").arg(m_table)); }
    bool exists() { return nft(QStringLiteral("list table inet %1\n").arg(m_table)); }

private:
    QString m_table;
};

} // namespace longline::faults
