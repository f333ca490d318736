#pragma once
// Helpers for the client tests: the real server and longline-cli as child processes, a
// scripted fake server, a TCP relay that can go silent, and a recorder of
// everything a ChatClient emits. Header-only, no moc needed.

#include "../support/ciskip.h"
#include "../support/sanitizerscale.h"
#include "chatclient.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <memory>
#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace longline::testing {

// Runs the event loop until `condition` holds; false on timeout.
template <typename Condition> bool waitFor(Condition condition, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(5);
    }
    return true;
}

// A TCP port on 127.0.0.1 that nothing listens on (just released).
inline quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

// longline-server as a child process, found through LONGLINE_SERVER_BIN.
class ServerProcess
{
public:
    static QString binary() { return qEnvironmentVariable("LONGLINE_SERVER_BIN"); }

    ~ServerProcess() { kill(); }

    // Starts the server on 127.0.0.1:port (0 = any) with the history in
    // `db`, and waits for its listen line.
    bool start(const QString &db, quint16 port = 0, const QStringList &extra = {})
    {
        kill();
        m_log.clear();
        m_pending.clear();
        m_process = std::make_unique<QProcess>();
        m_process->setProgram(binary());
        m_process->setArguments(QStringList{QStringLiteral("--listen"),
                                            QStringLiteral("127.0.0.1:%1").arg(port),
                                            QStringLiteral("--db"), db} +
                                extra);
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
#ifdef Q_OS_LINUX
        // A test that crashes or is killed by a CTest timeout takes its
        // server with it instead of leaving it listening.
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
        m_process->start();
        if (!m_process->waitForStarted(5000))
            return false;
        static const QRegularExpression listenLine(QStringLiteral(R"(\blisten\b.*\bport=(\d+))"));
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            readLog();
            for (const QString &line : std::as_const(m_log)) {
                const auto m = listenLine.match(line);
                if (m.hasMatch()) {
                    m_port = static_cast<quint16>(m.captured(1).toUInt());
                    return true;
                }
            }
            if (m_process->state() != QProcess::Running)
                return false;
            m_process->waitForReadyRead(100);
        }
        return false;
    }

    quint16 port() const
    {
        return m_port;
    }
    bool running() const
    {
        return m_process && m_process->state() == QProcess::Running;
    }

    // SIGKILL: the kernel closes every client socket, as in a crash.
    void kill()
    {
        if (!m_process)
            return;
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
        readLog();
        m_process.reset();
    }

    QStringList log()
    {
        readLog();
        return m_log;
    }

private:
    void readLog()
    {
        if (!m_process)
            return;
        m_pending += m_process->readAllStandardError();
        qsizetype nl;
        while ((nl = m_pending.indexOf('\n')) >= 0) {
            m_log.append(QString::fromUtf8(m_pending.left(nl)));
            m_pending.remove(0, nl + 1);
        }
    }

    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QStringList m_log;
    QByteArray m_pending;
};

// A scripted server: accepts one client at a time; the test reads the
// client's lines and writes answers.
class FakeServer
{
public:
    FakeServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                m_client = s;
                m_reading = true;
                ++m_accepted;
                QObject::connect(s, &QIODevice::readyRead, [this, s] {
                    if (s != m_client || !m_reading)
                        return;
                    m_buffer += s->readAll();
                    qsizetype nl;
                    while ((nl = m_buffer.indexOf('\n')) >= 0) {
                        m_lines.append(QString::fromUtf8(m_buffer.left(nl)));
                        m_buffer.remove(0, nl + 1);
                    }
                });
                QObject::connect(s, &QAbstractSocket::disconnected, [this, s] {
                    if (s == m_client)
                        ++m_disconnects;
                });
            }
        });
    }

    quint16 port() const { return m_server.serverPort(); }
    int accepted() const { return m_accepted; }
    int disconnects() const { return m_disconnects; }
    QTcpSocket *client() const { return m_client; }
    QStringList lines() const { return m_lines; }
    void clearLines() { m_lines.clear(); }
    // Stops reading from the client (its lines pile up in the kernel and
    // then in the client), as a server that floods without reading.
    void stopReading()
    {
        m_reading = false;
        if (m_client)
            m_client->setReadBufferSize(4096);
    }

    bool waitForAccepted(int count, int ms = 5000)
    {
        QDeadlineTimer deadline(ms);
        while (m_accepted < count && !deadline.hasExpired())
            QTest::qWait(10);
        return m_accepted >= count;
    }

    // Waits for a line starting with `prefix` and returns it (removed from
    // the list), or a null string on timeout.
    QString waitForLine(const QString &prefix, int ms = 5000)
    {
        QDeadlineTimer deadline(ms);
        for (;;) {
            for (int i = 0; i < m_lines.size(); ++i) {
                if (m_lines.at(i).startsWith(prefix))
                    return m_lines.takeAt(i);
            }
            if (deadline.hasExpired())
                return {};
            QTest::qWait(10);
        }
    }

    void send(const QByteArray &bytes)
    {
        if (m_client) {
            m_client->write(bytes);
            m_client->flush();
        }
    }
    void sendLine(const QString &line) { send(line.toUtf8() + '\n'); }

    // Answers the HELLO with a WELCOME carrying these values.
    QString welcome(qint64 seq = 0, const QString &extra = QStringLiteral("minping=0.1"),
                    const QString &session = QStringLiteral("k1"))
    {
        const QString hello = waitForLine(QStringLiteral("HELLO "));
        if (hello.isNull())
            return hello;
        const QString nick = hello.split(QLatin1Char(' ')).value(1);
        sendLine(QStringLiteral("WELCOME %1 server=fake/1 seq=%2 hb=off maxline=4096 maxhist=500 "
                                "session=%3 %4")
                     .arg(nick)
                     .arg(seq)
                     .arg(session, extra));
        return hello;
    }

    void closeClient()
    {
        if (m_client)
            m_client->disconnectFromHost();
    }

private:
    QTcpServer m_server;
    QTcpSocket *m_client = nullptr;
    QByteArray m_buffer;
    QStringList m_lines;
    int m_accepted = 0;
    int m_disconnects = 0;
    bool m_reading = true;
};

// Everything one ChatClient emits, in order.
struct ClientRecorder
{
    explicit ClientRecorder(ChatClient *client)
    {
        QObject::connect(client, &ChatClient::stateChanged,
                         [this](ChatClient::State s) { states.append(s); });
        QObject::connect(client, &ChatClient::welcomed,
                         [this](const protocol::WelcomeInfo &i) { welcomes.append(i); });
        QObject::connect(client, &ChatClient::messageReceived,
                         [this](const protocol::ChatMessage &m, bool history) {
                             messages.append(m);
                             fromHistory.append(history);
                         });
        QObject::connect(client, &ChatClient::messageAcknowledged,
                         [this](const QString &cid, qint64 seq) {
                             acks.append({cid, seq});
                         });
        QObject::connect(client, &ChatClient::serverError,
                         [this](int code, const QString &, const QString &, bool fatal) {
                             errors.append(code);
                             fatals.append(fatal);
                         });
        QObject::connect(client, &ChatClient::serverBye,
                         [this](const QString &reason) { byes.append(reason); });
        QObject::connect(client, &ChatClient::connectionLost,
                         [this](const DeathVerdict &v) { lost.append(v); });
        QObject::connect(client, &ChatClient::connectFailed,
                         [this](const QString &e) { connectFailures.append(e); });
        QObject::connect(client, &ChatClient::reconnectScheduled,
                         [this](Millis delay, int attempt) {
                             reconnects.append({delay, attempt});
                         });
        QObject::connect(client, &ChatClient::logEvent,
                         [this](const QString &text) { logs.append(text); });
    }

    int countText(const QString &text) const
    {
        int n = 0;
        for (const auto &m : messages)
            n += m.text == text ? 1 : 0;
        return n;
    }
    int countAck(const QString &cid) const
    {
        int n = 0;
        for (const auto &a : acks)
            n += a.first == cid ? 1 : 0;
        return n;
    }
    bool logContains(const QString &needle) const
    {
        for (const QString &l : logs)
            if (l.contains(needle))
                return true;
        return false;
    }

    QList<ChatClient::State> states;
    QList<protocol::WelcomeInfo> welcomes;
    QList<protocol::ChatMessage> messages;
    QList<bool> fromHistory;
    QList<QPair<QString, qint64>> acks;
    QList<int> errors;
    QList<bool> fatals;
    QStringList byes;
    QList<DeathVerdict> lost;
    QStringList connectFailures;
    QList<QPair<Millis, int>> reconnects;
    QStringList logs;
};

// Resident memory of a running process in KiB (VmRSS), -1 when unknown.
inline qint64 residentKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// CPU time (user + system) a running process has used, in ms; -1 when unknown.
inline qint64 cpuMs(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const qint64 ticks = fields.at(11).toLongLong() + fields.at(12).toLongLong();
    return ticks * 1000 / sysconf(_SC_CLK_TCK);
}

// One longline-cli run: its output split into lines, its events parsed.
class CliProcess
{
public:
    explicit CliProcess(const QStringList &args)
    {
        m_process.setProgram(qEnvironmentVariable("LONGLINE_CLI_BIN"));
        m_process.setArguments(args);
        m_process.start();
    }
    ~CliProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QProcess &process() { return m_process; }
    void write(const QByteArray &bytes) { m_process.write(bytes); }
    void closeInput() { m_process.closeWriteChannel(); }

    QStringList stdoutLines()
    {
        read();
        return m_out;
    }
    QStringList stderrLines()
    {
        read();
        return m_err;
    }
    // Every stderr line as a JSON object (invalid lines become empty objects).
    QList<QJsonObject> events()
    {
        read();
        QList<QJsonObject> list;
        for (const QString &l : std::as_const(m_err))
            list.append(QJsonDocument::fromJson(l.toUtf8()).object());
        return list;
    }
    std::optional<QJsonObject> event(const QString &name)
    {
        for (const QJsonObject &e : events())
            if (e.value(QStringLiteral("event")).toString() == name)
                return e;
        return std::nullopt;
    }
    std::optional<QJsonObject> waitForEvent(const QString &name, int ms = 5000)
    {
        std::optional<QJsonObject> e;
        waitFor([&] { return (e = event(name)).has_value(); }, ms);
        return e;
    }
    bool waitForStdout(const QRegularExpression &re, int ms = 5000)
    {
        return waitFor(
            [&] {
                for (const QString &l : stdoutLines())
                    if (re.match(l).hasMatch())
                        return true;
                return false;
            },
            ms);
    }
    // Waits for the exit; returns the status or -1.
    int waitForExit(int ms = 5000)
    {
        if (!waitFor([&] { return m_process.state() == QProcess::NotRunning; }, ms))
            return -1;
        read();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

private:
    static void split(QByteArray &pending, const QByteArray &more, QStringList &lines)
    {
        pending += more;
        qsizetype nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            lines.append(QString::fromUtf8(pending.left(nl)));
            pending.remove(0, nl + 1);
        }
    }
    void read()
    {
        split(m_outPending, m_process.readAllStandardOutput(), m_out);
        split(m_errPending, m_process.readAllStandardError(), m_err);
    }

    QProcess m_process;
    QByteArray m_outPending, m_errPending;
    QStringList m_out, m_err;
};

inline QString dump(CliProcess &cli)
{
    return QStringLiteral("stdout:\n%1\nstderr:\n%2")
        .arg(cli.stdoutLines().join('\n'), cli.stderrLines().join('\n'));
}

} // namespace longline::testing

// Skips (or fails in CI, where every test must run) without the server binary.
#define REQUIRE_SERVER()                                                                           \
    do {                                                                                           \
        const QString bin = longline::testing::ServerProcess::binary();                            \
        if (bin.isEmpty() || !QFileInfo::exists(bin))                                              \
            LONGLINE_SKIP_UNLESS_CI(                                                               \
                "LONGLINE_SERVER_BIN is not set or missing (build longline-server)");              \
    } while (false)

#define REQUIRE_CLI()                                                                              \
    do {                                                                                           \
        const QString bin = qEnvironmentVariable("LONGLINE_CLI_BIN");                              \
        if (bin.isEmpty() || !QFileInfo::exists(bin))                                              \
            LONGLINE_SKIP_UNLESS_CI(                                                               \
                "LONGLINE_CLI_BIN is not set or missing (build longline-cli)");                    \
    } while (false)
