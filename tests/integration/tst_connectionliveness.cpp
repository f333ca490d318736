// ConnectionLiveness on real loopback sockets: heartbeats, RTT, verdicts for
// silent cuts (through a relay), clean closes and resets, and socket options
// applied at once and visible to the kernel (getsockopt, sock_diag, ss).

#include "ciskip.h"
#include "livenessclient.h"
#include "pingpeer.h"
#include "relay.h"
#include "socketoptions.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace longline;
using namespace longline::test;
using namespace std::chrono_literals;

namespace {
LivenessSettings heartbeat(const char *spec)
{
    LivenessSettings s;
    s.heartbeat = *HeartbeatOptions::parse(QString::fromLatin1(spec));
    return s;
}
} // namespace

class TestConnectionLiveness : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void heartbeatMeasuresRoundTrips()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(heartbeat("0.2,2"));
        QSignalSpy rtts(&client.liveness, &ConnectionLiveness::rttMeasured);
        QVERIFY(client.connectTo(peer.port()));
        QTRY_VERIFY_WITH_TIMEOUT(rtts.size() >= 3, 5000);
        const auto summary = client.liveness.rtt();
        QVERIFY(summary.count >= 3);
        QVERIFY(summary.maxMs < 200); // loopback; generous for a loaded machine
        QVERIFY(summary.medianMs <= summary.p95Ms);
        QVERIFY(summary.p95Ms <= summary.maxMs);
        QVERIFY(client.verdicts.isEmpty());
        QVERIFY(peer.lines().first().startsWith(QLatin1String("PING h")));
    }

    void heartbeatDetectsSilentCutWithinBudget()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        Relay relay(QHostAddress::LocalHost, peer.port());
        QVERIFY(relay.listen());
        LivenessClient client(heartbeat("0.5,0.5"));
        QSignalSpy rtts(&client.liveness, &ConnectionLiveness::rttMeasured);
        QVERIFY(client.connectTo(relay.port()));
        QTRY_VERIFY_WITH_TIMEOUT(rtts.size() >= 1, 3000); // the path works
        relay.cut();
        QElapsedTimer sinceCut;
        sinceCut.start();
        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 5000);
        const DeathVerdict v = client.verdicts.first();
        QCOMPARE(v.cause, DeathCause::HeartbeatTimeout);
        QCOMPARE(*v.budget, Millis(1000ms));
        // Detection is measured from the last byte received: at least the
        // budget, at most the budget plus poll granularity and scheduling.
        QVERIFY2(v.detection >= 1000ms, qPrintable(v.describe()));
        QVERIFY2(v.detection <= 1000ms + 500ms, qPrintable(v.describe()));
        QVERIFY(sinceCut.elapsed() <= 1500 + 500);
        QVERIFY(v.withinBudget(500ms));
        QCOMPARE(client.verdicts.size(), 1); // exactly once
        QCOMPARE(client.socket.state(), QAbstractSocket::UnconnectedState);
    }

    void heartbeatOffNeverDeclaresDeath()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        Relay relay(QHostAddress::LocalHost, peer.port());
        QVERIFY(relay.listen());
        LivenessClient client(LivenessSettings{});
        QVERIFY(client.connectTo(relay.port()));
        relay.cut();
        QTest::qWait(1500); // a window in which a 0.5,0.5 heartbeat would have fired
        QVERIFY(client.verdicts.isEmpty());
        QVERIFY(peer.lines().isEmpty()); // and no PING was ever sent
    }

    void cleanCloseIsClosedByPeer()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(heartbeat("5,5"));
        QVERIFY(client.connectTo(peer.port()));
        QTRY_VERIFY(peer.last() != nullptr);
        peer.last()->disconnectFromHost();
        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 3000);
        QCOMPARE(client.verdicts.first().cause, DeathCause::ClosedByPeer);
        QVERIFY(!client.verdicts.first().isTimeout());
    }

    void resetIsResetByPeer()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(heartbeat("5,5"));
        QVERIFY(client.connectTo(peer.port()));
        QTRY_VERIFY(peer.last() != nullptr);
        PingPeer::reset(peer.last());
        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 3000);
        QCOMPARE(client.verdicts.first().cause, DeathCause::ResetByPeer);
    }

    void localCloseIsNotAFailure()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(heartbeat("5,5"));
        QVERIFY(client.connectTo(peer.port()));
        client.liveness.markLocalClose(QStringLiteral("user quit"));
        client.socket.disconnectFromHost();
        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 3000);
        QCOMPARE(client.verdicts.first().cause, DeathCause::LocalClose);
        QVERIFY(!client.verdicts.first().isFailure());
    }

    void optionsApplyAtOnceAndReadBack()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(LivenessSettings{});
        QSignalSpy applied(&client.liveness, &ConnectionLiveness::optionsApplied);
        QVERIFY(client.connectTo(peer.port()));
        QCOMPARE(applied.size(), 1);
        const qintptr fd = client.socket.socketDescriptor();
        QVERIFY(!readSocketOptions(fd).keepaliveOn);

        LivenessSettings s;
        s.keepalive = {true, 7, 3, 4};
        s.userTimeout = 4500ms;
        client.liveness.setSettings(s); // on the open connection, no reconnect
        QCOMPARE(applied.size(), 2);
        const auto report = applied.last().at(0).value<SocketOptionsReport>();
        QVERIFY2(report.ok(), qPrintable(report.errors.join(QLatin1Char('\n'))));
        const auto e = readSocketOptions(fd);
        QVERIFY(e.valid);
        QVERIFY(e.keepaliveOn);
        QCOMPARE(e.idleS, 7);
        QCOMPARE(e.intervalS, 3);
        QCOMPARE(e.count, 4);
        QCOMPARE(e.userTimeoutMs, 4500);
        QCOMPARE(report.effective.describe(), e.describe());

        // The kernel's own timer now runs with the chosen idle time.
        const auto view = client.liveness.sampleNow(true);
        QVERIFY2(view.valid, qPrintable(view.error));
        QCOMPARE(view.state, 1); // ESTABLISHED
        QVERIFY2(view.timerKnown, qPrintable(view.error));
        QCOMPARE(view.timer, KernelSocketView::Timer::Keepalive);
        QVERIFY(view.timerExpiresMs <= 7000);

        // And ss, the tool an operator would use, agrees.
        QProcess ss;
        ss.start(QStringLiteral("ss"),
                 {QStringLiteral("-tioH"), QStringLiteral("state"), QStringLiteral("established"),
                  QStringLiteral("sport"), QStringLiteral("="),
                  QStringLiteral(":%1").arg(client.socket.localPort())});
        if (!ss.waitForStarted(3000))
            LONGLINE_SKIP_UNLESS_CI("ss (iproute2) is not installed");
        QVERIFY(ss.waitForFinished(5000));
        const QString out = QString::fromLocal8Bit(ss.readAllStandardOutput());
        QVERIFY2(out.contains(QLatin1String("timer:(keepalive,")), qPrintable(out));

        s.keepalive.enabled = false;
        s.userTimeout = 0ms;
        client.liveness.setSettings(s);
        const auto off = readSocketOptions(fd);
        QVERIFY(!off.keepaliveOn);
        QCOMPARE(off.userTimeoutMs, 0);
        QCOMPARE(client.liveness.sampleNow(true).timer, KernelSocketView::Timer::None);
    }

    void applyingToAClosedSocketReportsErrors()
    {
        const auto report = applySocketOptions(-1, KeepaliveOptions{true, 1, 1, 1}, 0ms);
        QVERIFY(!report.ok());
        QVERIFY(!report.effective.valid);
    }
};

QTEST_GUILESS_MAIN(TestConnectionLiveness)
#include "tst_connectionliveness.moc"
