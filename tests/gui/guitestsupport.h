#pragma once
// Starts the real longline-server for the GUI tests and tells its port.

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace longline::guitest {

class Server
{
public:
    ~Server()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    static QString binary() { return qEnvironmentVariable("LONGLINE_SERVER_BIN"); }

    // --listen 127.0.0.1:0 --db <tmp> plus `extra`; waits for the listen line.
    bool start(const QStringList &extra = {})
    {
        m_process.setProgram(binary());
        m_process.setArguments(QStringList{QStringLiteral("--listen"),
                                           QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                                           m_dir.filePath(QStringLiteral("history.db"))} +
                               extra);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        static const QRegularExpression listen(QStringLiteral(" listen .*port=(\\d+)"));
        (void)QTest::qWaitFor(
            [this] {
                m_log += QString::fromUtf8(m_process.readAllStandardError());
                const auto match = listen.match(m_log);
                if (match.hasMatch())
                    m_port = static_cast<quint16>(match.captured(1).toUInt());
                return m_port != 0 || m_process.state() == QProcess::NotRunning;
            },
            5000);
        return m_port != 0;
    }

    quint16 port() const { return m_port; }
    QString log()
    {
        m_log += QString::fromUtf8(m_process.readAllStandardError());
        return m_log;
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_log;
    quint16 m_port = 0;
};

} // namespace longline::guitest
