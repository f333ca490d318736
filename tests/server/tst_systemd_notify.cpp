// The sd_notify protocol without libsystemd: the real server sends READY=1
// to $NOTIFY_SOCKET once it listens (a client can connect the moment READY
// arrives), abstract "@" addresses work, and without NOTIFY_SOCKET nothing
// is sent and nothing fails.

#include "systemdnotify.h"

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
};

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemd_notify.moc"
