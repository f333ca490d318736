// The sd_notify protocol without libsystemd: the real server sends READY=1
// to $NOTIFY_SOCKET once it listens (a client can connect the moment READY
// arrives), abstract "@" addresses work, and without NOTIFY_SOCKET nothing
// is sent and nothing fails.

#include "systemdnotify.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace longline::server;

namespace {

constexpr int WaitMs = 5000;

// A datagram socket standing in for systemd's notification socket.
class NotifySocket
{
public:
    // `name` is a path, or "@name" for the abstract namespace.
    explicit NotifySocket(const QByteArray &name) : m_name(name)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, name.constData(), static_cast<size_t>(name.size()));
        socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                                  static_cast<size_t>(name.size()));
        if (name.startsWith('@'))
            addr.sun_path[0] = '\0';
        else
            length += 1;
        m_bound = m_fd >= 0 && ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), length) == 0;
    }
    ~NotifySocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool isBound() const { return m_bound; }

    // The next datagram, or nothing after `ms`.
    std::optional<QByteArray> receive(int ms)
    {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1)
            return std::nullopt;
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n < 0)
            return std::nullopt;
        return QByteArray(buffer, static_cast<int>(n));
    }

private:
    QByteArray m_name;
    int m_fd = -1;
    bool m_bound = false;
};

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class TestSystemdNotify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pathSocket()
    {
        QTemporaryDir dir;
        const QByteArray path = dir.filePath(QStringLiteral("notify")).toLocal8Bit();
        NotifySocket socket(path);
        QVERIFY(socket.isBound());
        const SystemdNotifier notifier(QString::fromLocal8Bit(path));
        QVERIFY(notifier.isActive());
        QString error;
        QVERIFY2(notifier.notify("READY=1\nSTATUS=hello", &error), qPrintable(error));
        QCOMPARE(socket.receive(WaitMs).value_or("nothing"), QByteArray("READY=1\nSTATUS=hello"));
    }

    void abstractSocket()
    {
        const QByteArray name =
            "@longline-test-" + QByteArray::number(QCoreApplication::applicationPid());
        NotifySocket socket(name);
        QVERIFY(socket.isBound());
        QVERIFY(SystemdNotifier(QString::fromLatin1(name)).notify("STATUS=abstract"));
        QCOMPARE(socket.receive(WaitMs).value_or("nothing"), QByteArray("STATUS=abstract"));
    }

    void inactiveOrBroken()
    {
        QVERIFY(!SystemdNotifier(QString()).isActive());
        QVERIFY(SystemdNotifier(QString()).notify("READY=1")); // nothing to tell, no error
        QString error;
        QVERIFY(!SystemdNotifier(QStringLiteral("relative/path")).notify("READY=1", &error));
        QVERIFY2(error.contains(QStringLiteral("not a socket path")), qPrintable(error));
        QTemporaryDir dir;
        QVERIFY(!SystemdNotifier(dir.filePath(QStringLiteral("nobody-listens")))
                     .notify("READY=1", &error));
        QVERIFY2(error.contains(QStringLiteral("cannot notify systemd")), qPrintable(error));
    }

    // The real binary: READY=1 comes once the port accepts connections.
    void serverSaysReadyWhenListening()
    {
        const QString bin = qEnvironmentVariable("LONGLINE_SERVER_BIN");
        if (bin.isEmpty())
            QFAIL("LONGLINE_SERVER_BIN is not set: run through ctest");
        QTemporaryDir dir;
        const QByteArray path = dir.filePath(QStringLiteral("notify")).toLocal8Bit();
        NotifySocket socket(path);
        QVERIFY(socket.isBound());

        const quint16 port = freePort();
        QProcess server;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NOTIFY_SOCKET"), QString::fromLocal8Bit(path));
        server.setProcessEnvironment(env);
        server.start(bin, {"--listen", QStringLiteral("127.0.0.1:%1").arg(port), "--db",
                           ":memory:", "--config", "/dev/null"});
        QVERIFY(server.waitForStarted(WaitMs));
        const auto message = socket.receive(WaitMs);
        QVERIFY2(message, "no notification from the server");
        QCOMPARE(*message,
                 QByteArray("READY=1\nSTATUS=Listening on 127.0.0.1:") + QByteArray::number(port));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY2(client.waitForConnected(WaitMs), "READY came before the port listened");
        server.terminate();
        QVERIFY(server.waitForFinished(WaitMs));
        QCOMPARE(server.exitCode(), 0);
    }

    // Under systemd with WatchdogSec= the keep-alive and STATUS with the
    // client count keep coming from the event loop; with stderr on the
    // journal, events go to the journal's socket as the text line plus one
    // field per key, and no longer to stderr.
    void watchdogStatusAndJournalFields()
    {
        const QString bin = qEnvironmentVariable("LONGLINE_SERVER_BIN");
        if (bin.isEmpty())
            QFAIL("LONGLINE_SERVER_BIN is not set: run through ctest");
        QTemporaryDir dir;
        const QByteArray notifyPath = dir.filePath(QStringLiteral("notify")).toLocal8Bit();
        const QByteArray journalPath = dir.filePath(QStringLiteral("journal")).toLocal8Bit();
        NotifySocket notify(notifyPath);
        NotifySocket journal(journalPath);
        QVERIFY(notify.isBound() && journal.isBound());
        const quint16 port = freePort();
        QProcess server;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NOTIFY_SOCKET"), QString::fromLocal8Bit(notifyPath));
        env.insert(QStringLiteral("WATCHDOG_USEC"), QStringLiteral("400000"));
        env.insert(QStringLiteral("LONGLINE_JOURNAL_SOCKET"), QString::fromLocal8Bit(journalPath));
        server.setProcessEnvironment(env);
        // JOURNAL_STREAM names the stream stderr is: the pipe QProcess made.
        server.start(QStringLiteral("/bin/sh"),
                     {"-c", "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" \"$@\"",
                      bin, "--listen", QStringLiteral("127.0.0.1:%1").arg(port), "--db", ":memory:",
                      "--config", "/dev/null", "--heartbeat", "0.3,0.3"});
        QVERIFY(server.waitForStarted(WaitMs));
        QVERIFY(notify.receive(WaitMs).value_or("").startsWith("READY=1"));
        // A keep-alive at least every 0.2 s (half of WATCHDOG_USEC).
        QElapsedTimer t;
        t.start();
        int keepAlives = 0;
        QByteArray last;
        while (t.elapsed() < 1000) {
            const auto m = notify.receive(500);
            QVERIFY2(m, "the watchdog keep-alive stopped");
            if (m->contains("WATCHDOG=1")) {
                ++keepAlives;
                last = *m;
            }
        }
        QVERIFY2(keepAlives >= 4, qPrintable(QString::number(keepAlives)));
        QVERIFY2(last.contains("STATUS=Serving 0 clients on 127.0.0.1:"), last.constData());

        // A client that registers and then never answers: the heartbeat
        // ends it, and the journal gets the disconnect with its fields.
        QTcpSocket ghost;
        ghost.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(ghost.waitForConnected(WaitMs));
        ghost.write("HELLO ghost\n");
        ghost.flush();
        QByteArray disconnect;
        t.restart();
        while (disconnect.isEmpty() && t.elapsed() < WaitMs) {
            const auto m = journal.receive(WaitMs);
            QVERIFY2(m, "nothing reached the journal");
            if (m->contains("LONGLINE_EVENT=disconnect\n"))
                disconnect = *m;
        }
        QVERIFY(!disconnect.isEmpty());
        for (const char *field : {"CAUSE=heartbeat_timeout\n", "NICK=ghost\n", "DETECTION_MS=",
                                  "BUDGET_MS=600\n", "PEER=127.0.0.1:", "PRIORITY=6\n",
                                  "SYSLOG_IDENTIFIER=longline-server\n", "MESSAGE="})
            QVERIFY2(disconnect.contains(field), disconnect.constData());
        QVERIFY(disconnect.contains(" disconnect id=1 "));
        server.terminate();
        QVERIFY(server.waitForFinished(WaitMs));
        QCOMPARE(server.exitCode(), 0);
        // The events went to the journal, not to stderr as well.
        QVERIFY(!server.readAllStandardError().contains(" disconnect "));
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemd_notify.moc"
