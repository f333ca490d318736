#pragma once
// Test helpers for driving the real longline-server binary: ServerProcess
// starts it and follows its event log; LineClient is a raw line client on a
// real QTcpSocket. Header-only so each test executable stays one file.

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTcpSocket>
#include <QTest>
#include <functional>
#include <optional>

namespace longline::testing {

// Generous for a loaded CI machine; every wait returns as soon as its event happens.
constexpr int WaitMs = 5000;

inline QString serverBinary()
{
    return qEnvironmentVariable("LONGLINE_SERVER_BIN");
}

// Runs `longline-server <words> --admin-socket <socket>` (status, kick,
// reload, ...) and returns what it printed, or "<exit N: stderr>" when its
// exit code is not `expectedExit`.
inline QString adminCommand(const QString &socket, const QStringList &words, int expectedExit = 0)
{
    QProcess p;
    p.start(serverBinary(), words + QStringList{QStringLiteral("--admin-socket"), socket});
    if (!p.waitForFinished(WaitMs) || p.exitCode() != expectedExit)
        return QStringLiteral("<exit %1: %2>")
            .arg(p.exitCode())
            .arg(QString::fromUtf8(p.readAllStandardError()));
    return QString::fromUtf8(p.readAllStandardOutput());
}

class ServerProcess
{
public:
    ServerProcess()
    {
        m_process.setProgram(serverBinary());
        QObject::connect(&m_process, &QProcess::readyReadStandardError, [this] { pull(); });
    }
    ~ServerProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(WaitMs);
        }
    }

    // Starts with `args` (add "--listen 127.0.0.1:0" and "--db ..." yourself
    // or use startDefault) and waits for the listen line.
    bool start(const QStringList &args)
    {
        m_lines.clear();
        m_partial.clear();
        m_port = 0;
        m_process.setArguments(args);
        m_process.start();
        if (!m_process.waitForStarted(WaitMs))
            return false;
        const auto line = waitForLog(QRegularExpression(QStringLiteral(" listen .*port=(\\d+)")));
        if (!line)
            return false;
        m_port = static_cast<quint16>(
            QRegularExpression(QStringLiteral("port=(\\d+)")).match(*line).captured(1).toUInt());
        return m_port != 0;
    }
    bool startDefault(const QStringList &extra = {})
    {
        return start(QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                 QStringLiteral("--db"), QStringLiteral(":memory:")} +
                     extra);
    }

    quint16 port() const { return m_port; }
    // True once the process has exited (also when it already had).
    bool waitForExit(int timeoutMs = WaitMs)
    {
        return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
    }
    QProcess &process() { return m_process; }
    QStringList logLines()
    {
        pull();
        return m_lines;
    }
    QString logText() { return logLines().join(QLatin1Char('\n')); }

    // The first log line (from line `from` on) matching `re`, waiting for it.
    std::optional<QString> waitForLog(const QRegularExpression &re, int timeoutMs = WaitMs,
                                      int from = 0)
    {
        std::optional<QString> found;
        auto scan = [&] {
            pull();
            for (int i = from; i < m_lines.size(); ++i) {
                if (re.match(m_lines.at(i)).hasMatch()) {
                    found = m_lines.at(i);
                    return true;
                }
            }
            // A server that exited will not log any more.
            return m_process.state() == QProcess::NotRunning;
        };
        (void)QTest::qWaitFor(scan, timeoutMs); // `found` tells
        return found;
    }

private:
    void pull()
    {
        m_partial += m_process.readAllStandardError();
        qsizetype nl;
        while ((nl = m_partial.indexOf('\n')) >= 0) {
            m_lines.append(QString::fromUtf8(m_partial.left(nl)));
            m_partial.remove(0, nl + 1);
        }
    }

    QProcess m_process;
    QStringList m_lines;
    QByteArray m_partial;
    quint16 m_port = 0;
};

class LineClient
{
public:
    // When true, server PINGs are answered and never show up in the lines.
    bool autoPong = true;

    LineClient()
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { pull(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, [this] { m_closed = true; });
    }

    QTcpSocket &socket() { return m_socket; }

    bool connectTo(quint16 port, const QString &host = QStringLiteral("127.0.0.1"))
    {
        m_socket.connectToHost(host, port);
        return m_socket.waitForConnected(WaitMs);
    }

    void send(const QByteArray &raw)
    {
        m_socket.write(raw);
        m_socket.flush();
    }
    void sendLine(const QString &line) { send(line.toUtf8() + '\n'); }

    // The next line not yet taken, waiting for it.
    std::optional<QString> next(int timeoutMs = WaitMs)
    {
        (void)QTest::qWaitFor([this] { return !m_lines.isEmpty() || m_closed; }, timeoutMs);
        pull();
        if (m_lines.isEmpty())
            return std::nullopt;
        return m_lines.takeFirst();
    }
    // The next line, which must start with `prefix`; "" (with what came
    // instead recorded in lastUnexpected) otherwise.
    QString expect(const QString &prefix, int timeoutMs = WaitMs)
    {
        const auto line = next(timeoutMs);
        if (line && line->startsWith(prefix))
            return *line;
        lastUnexpected = line.value_or(QStringLiteral("<nothing>"));
        return QString();
    }
    // Skips lines until one starts with `prefix` (the skipped ones are kept
    // in `skipped`).
    std::optional<QString> waitFor(const QString &prefix, int timeoutMs = WaitMs)
    {
        skipped.clear();
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            const auto line = next(static_cast<int>(timeoutMs - t.elapsed()));
            if (!line)
                return std::nullopt;
            if (line->startsWith(prefix))
                return line;
            skipped.append(*line);
        }
        return std::nullopt;
    }
    // HELLO; returns the WELCOME line and swallows the ONLINE after it.
    QString hello(const QString &nick, const QString &key = {})
    {
        sendLine(key.isEmpty() ? QStringLiteral("HELLO ") + nick
                               : QStringLiteral("HELLO %1 %2").arg(nick, key));
        const QString welcome = expect(QStringLiteral("WELCOME ") + nick + QLatin1Char(' '));
        if (!welcome.isEmpty() && expect(QStringLiteral("ONLINE")).isEmpty())
            return QString();
        return welcome;
    }
    // The value of key=value in a line (WELCOME).
    static QString value(const QString &line, const QString &key)
    {
        const auto m = QRegularExpression(QStringLiteral("(?:^| )%1=(\\S+)").arg(key)).match(line);
        return m.hasMatch() ? m.captured(1) : QString();
    }

    bool waitClosed(int timeoutMs = WaitMs)
    {
        return QTest::qWaitFor([this] { return m_closed; }, timeoutMs);
    }
    bool isClosed() const { return m_closed; }
    QStringList pending()
    {
        pull();
        return m_lines;
    }

    QString lastUnexpected;
    QStringList skipped;

private:
    void pull()
    {
        m_partial += m_socket.readAll();
        qsizetype nl;
        while ((nl = m_partial.indexOf('\n')) >= 0) {
            const QString line = QString::fromUtf8(m_partial.left(nl));
            m_partial.remove(0, nl + 1);
            if (autoPong && line.startsWith(QLatin1String("PING "))) {
                send("PONG " + line.mid(5).toUtf8() + '\n');
                continue;
            }
            m_lines.append(line);
        }
    }

    QTcpSocket m_socket;
    QStringList m_lines;
    QByteArray m_partial;
    bool m_closed = false;
};

} // namespace longline::testing

// Takes the client's next line into `var`; it must start with `prefix`.
#define REQUIRE_LINE(var, client, prefix)                                                          \
    const QString var = (client).expect(prefix);                                                   \
    QVERIFY2(!var.isEmpty(),                                                                       \
             qPrintable(QStringLiteral("expected a line starting with '%1', got '%2'")             \
                            .arg(QString(prefix), (client).lastUnexpected)))
