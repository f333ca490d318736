// TLS and the server password, end to end: the real server with a
// certificate made here by openssl, ChatClient on the other side. Checks
// that verification, pinning and passwords behave, and that liveness works
// the same over TLS: kernel options on the socket under TLS, PING round
// trips inside it, and a silent cut detected through it.

#include "../server/serverharness.h"
#include "../support/ciskip.h"
#include "chatclient.h"
#include "relay.h"
#include "socketoptions.h"
#include "systemtools.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace longline;
using namespace longline::testing;
using namespace std::chrono_literals;

class TestTls : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_cert, m_key, m_password;

    QStringList tlsArgs() const
    {
        return {QStringLiteral("--tls-cert"), m_cert, QStringLiteral("--tls-key"), m_key};
    }
    static QString fingerprintFromLog(ServerProcess &server)
    {
        const auto m =
            QRegularExpression(QStringLiteral("cert_sha256=([0-9A-F:]+)")).match(server.logText());
        return m.captured(1);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (serverBinary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN not set: run through ctest");
        if (!QSslSocket::supportsSsl())
            QFAIL("Qt has no TLS backend: install libssl3");
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(test::makeSelfSignedCertificate(m_dir.path(), &m_cert, &m_key, &error),
                 qPrintable(error));
        m_password = m_dir.filePath(QStringLiteral("password"));
        QFile pw(m_password);
        QVERIFY(pw.open(QIODevice::WriteOnly));
        pw.write("correct horse battery\n");
    }

    void verifiedConnectionCarriesChatAndLiveness()
    {
        ServerProcess server;
        QVERIFY(server.startDefault(tlsArgs()));
        QVERIFY(server.logText().contains(QLatin1String("tls=1")));
        ChatClient client;
        client.setTls({true, m_cert, {}});
        LivenessSettings s;
        s.keepalive = {true, 5, 2, 3};
        s.heartbeat = *HeartbeatOptions::parse(QStringLiteral("1,2"));
        client.setLivenessSettings(s);
        QSignalSpy encrypted(&client, &ChatClient::encrypted);
        QSignalSpy welcomed(&client, &ChatClient::welcomed);
        QSignalSpy acked(&client, &ChatClient::messageAcknowledged);
        QSignalSpy rtt(client.liveness(), &ConnectionLiveness::rttMeasured);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("tess"));
        QTRY_VERIFY_WITH_TIMEOUT(welcomed.size() == 1, WaitMs);
        QCOMPARE(encrypted.size(), 1);
        QVERIFY(client.isEncrypted());
        QVERIFY2(client.encryptionSummary().startsWith(QLatin1String("TLS 1.")),
                 qPrintable(client.encryptionSummary()));
        client.send(QStringLiteral("secret plans"));
        QTRY_VERIFY_WITH_TIMEOUT(acked.size() == 1, WaitMs);
        QVERIFY(server.logText().contains(
            QRegularExpression(QStringLiteral("hello .*nick=tess .*tls=1"))));
        // Kernel keepalive acts on the TCP socket under TLS.
        const auto e = readSocketOptions(client.socket()->socketDescriptor());
        QVERIFY(e.keepaliveOn);
        QCOMPARE(e.idleS, 5);
        // PING/PONG round trips run inside TLS.
        QTRY_VERIFY_WITH_TIMEOUT(rtt.size() >= 1, 4000);
    }

    void untrustedCertificateStopsWithItsFingerprint()
    {
        ServerProcess server;
        QVERIFY(server.startDefault(tlsArgs()));
        ChatClient client;
        client.setTls({true, {}, {}});
        QSignalSpy untrusted(&client, &ChatClient::tlsVerificationFailed);
        QSignalSpy welcomed(&client, &ChatClient::welcomed);
        QSignalSpy retry(&client, &ChatClient::reconnectScheduled);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("tom"));
        QTRY_VERIFY_WITH_TIMEOUT(untrusted.size() == 1, WaitMs);
        QCOMPARE(untrusted.first().at(1).toString(), fingerprintFromLog(server));
        QTest::qWait(1500); // a retry would be scheduled within ReconnectMin
        QCOMPARE(retry.size(), 0);
        QCOMPARE(welcomed.size(), 0);
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
    }

    void pinnedFingerprintIsTrusted()
    {
        ServerProcess server;
        QVERIFY(server.startDefault(tlsArgs()));
        ChatClient client;
        QString pin = fingerprintFromLog(server);
        pin.remove(QLatin1Char(':'));
        client.setTls({true, {}, pin.toLower()}); // colons and case do not matter
        QSignalSpy welcomed(&client, &ChatClient::welcomed);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("pia"));
        QTRY_VERIFY_WITH_TIMEOUT(welcomed.size() == 1, WaitMs);
        QVERIFY(client.isEncrypted());
    }

    void heartbeatDetectsSilentCutThroughTls()
    {
        ServerProcess server;
        QVERIFY(server.startDefault(
            tlsArgs() + QStringList{QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        test::Relay relay(QHostAddress::LocalHost, server.port());
        QVERIFY(relay.listen());
        ChatClient client;
        client.setTls({true, m_cert, {}});
        client.setAutoReconnect(false);
        LivenessSettings s;
        s.heartbeat = *HeartbeatOptions::parse(QStringLiteral("0.5,0.5"));
        client.setLivenessSettings(s);
        QSignalSpy welcomed(&client, &ChatClient::welcomed);
        QSignalSpy lost(&client, &ChatClient::connectionLost);
        // The certificate names 127.0.0.1, and so does the relay.
        client.connectToServer(QStringLiteral("127.0.0.1"), relay.port(), QStringLiteral("cutter"));
        QTRY_VERIFY_WITH_TIMEOUT(welcomed.size() == 1, WaitMs);
        relay.cut();
        QTRY_VERIFY_WITH_TIMEOUT(lost.size() == 1, 4000);
        const auto verdict = lost.first().at(0).value<DeathVerdict>();
        QCOMPARE(verdict.cause, DeathCause::HeartbeatTimeout);
        QVERIFY2(verdict.withinBudget(600ms), qPrintable(verdict.describe()));
    }

    void passwordIsRequiredAndNeverLogged()
    {
        ServerProcess server;
        QVERIFY(server.startDefault(tlsArgs() +
                                    QStringList{QStringLiteral("--password-file"), m_password}));
        QVERIFY(server.logText().contains(QLatin1String("password=on")));
        // Returns the error code the server answered, or 0 when welcomed.
        auto attempt = [&](const QString &password, const QString &nick) -> int {
            ChatClient client;
            client.setTls({true, m_cert, {}});
            client.setPassword(password);
            QSignalSpy welcomed(&client, &ChatClient::welcomed);
            QSignalSpy errors(&client, &ChatClient::serverError);
            client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), nick);
            if (!QTest::qWaitFor([&] { return welcomed.size() == 1 || errors.size() == 1; },
                                 WaitMs))
                return -1;
            if (errors.isEmpty())
                return 0;
            // A refused password is final: no retry.
            return errors.first().at(3).toBool() ? errors.first().at(0).toInt() : -2;
        };
        QCOMPARE(attempt(QString(), QStringLiteral("nopass")), 464);
        QCOMPARE(attempt(QStringLiteral("correct horse"), QStringLiteral("wrong")), 464);
        QCOMPARE(attempt(QStringLiteral("correct horse battery"), QStringLiteral("right")), 0);
        QTRY_VERIFY(server.logText().contains(QLatin1String("auth_failed")));
        QVERIFY(!server.logText().contains(QLatin1String("horse")));
    }

    void badCertificateFilesStopTheServer()
    {
        ServerProcess server;
        QVERIFY(!server.startDefault(
            {QStringLiteral("--tls-cert"), m_key, QStringLiteral("--tls-key"), m_key}));
        QVERIFY(server.waitForExit());
        QCOMPARE(server.process().exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
