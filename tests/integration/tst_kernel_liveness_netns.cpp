// The kernel's own mechanisms against real, silent packet loss. Runs inside a
// private network namespace (see support/run-in-netns.sh) where an nftables
// rule drops every packet of one connection on input: no FIN, no RST, the
// link simply goes quiet. Then keepalive probes go unanswered and
// retransmissions go unacknowledged, exactly as through a NAT that forgot the
// mapping.

#include "livenessclient.h"
#include "pingpeer.h"
#include "systemtools.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace longline;
using namespace longline::test;
using namespace std::chrono_literals;

namespace {
// Honest margin for scheduling and the kernel's timer granularity on a
// loaded 2-core machine.
constexpr auto Margin = 1500ms;

bool nft(const QString &script, QString *error = nullptr)
{
    return test::runNft(script, error);
}

// Drops every packet to or from `port` on input: the silent cut.
bool cutPort(quint16 port, QString *error)
{
    return nft(
        QStringLiteral("table inet longline_cut {\n"
                       "  chain input { type filter hook input priority -10; policy accept;\n"
                       "    tcp dport %1 drop\n"
                       "    tcp sport %1 drop\n"
                       "  }\n"
                       "}\n")
            .arg(port),
        error);
}

void restoreAll()
{
    nft(QStringLiteral("delete table inet longline_cut\n"));
}
} // namespace

class TestKernelLivenessNetns : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { restoreAll(); }
    void cleanup() { restoreAll(); }

    void keepaliveDetectsSilentCut()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessSettings s;
        s.keepalive = {true, 1, 1, 2}; // budget: 1 + 1 x 2 = 3 s
        LivenessClient client(s);
        QVERIFY(client.connectTo(peer.port()));
        QVERIFY(client.liveness.lastOptionsReport().ok());
        // Prove the path, then cut it right after the last byte.
        client.socket.write(protocol::ping(QStringLiteral("before")));
        QTRY_VERIFY(peer.lines().contains(QStringLiteral("PING before")));
        QTRY_VERIFY(client.liveness.silence() < 100ms);
        QString error;
        QVERIFY2(cutPort(peer.port(), &error), qPrintable(error));

        // While idle, the kernel probes: sock_diag shows unanswered probes.
        QTRY_VERIFY_WITH_TIMEOUT(client.liveness.sampleNow(true).timerRetrans >= 1, 3000);

        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 3000 + 5000);
        const DeathVerdict v = client.verdicts.first();
        QVERIFY2(v.cause == DeathCause::KeepaliveTimeout, qPrintable(v.describe()));
        QCOMPARE(*v.budget, Millis(3s));
        QVERIFY2(v.detection >= 3s - 300ms, qPrintable(v.describe()));
        QVERIFY2(v.detection <= 3s + Margin, qPrintable(v.describe()));
    }

    void keepaliveKeepsAHealthyIdleLinkAlive()
    {
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessSettings s;
        s.keepalive = {true, 1, 1, 2};
        LivenessClient client(s);
        QVERIFY(client.connectTo(peer.port()));
        // Idle for twice the budget: probes are answered by the peer's
        // kernel (last ACK keeps renewing), so nothing dies.
        QElapsedTimer idle;
        idle.start();
        quint32 lowestAckAge = UINT32_MAX;
        while (idle.elapsed() < 6000) {
            QTest::qWait(250);
            if (idle.elapsed() > 3000)
                lowestAckAge =
                    std::min(lowestAckAge, client.liveness.sampleNow(false).lastAckRecvMs);
        }
        QVERIFY(client.verdicts.isEmpty());
        QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
        // No data for 6 s, but ACKs (probe answers) arrived within the last ~1 s.
        QVERIFY2(lowestAckAge <= 1500, qPrintable(QString::number(lowestAckAge)));
        QVERIFY(client.liveness.sampleNow(false).lastDataRecvMs >= 5000);
    }

    void userTimeoutDetectsBusySocket()
    {
        // Data in flight: keepalive never runs, the retransmission path
        // does, and TCP_USER_TIMEOUT caps it.
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessSettings s;
        s.keepalive = {true, 30, 30, 9}; // would take minutes: must not be what fires
        s.userTimeout = 2000ms;
        LivenessClient client(s);
        QVERIFY(client.connectTo(peer.port()));
        // Idle first, as a chat is: the verdict must count from the send,
        // not from the last byte received before the idle time.
        QTest::qWait(1500);
        QString error;
        QVERIFY2(cutPort(peer.port(), &error), qPrintable(error));
        client.liveness.noteSending();
        client.socket.write(protocol::say(QStringLiteral("into the void")));
        QElapsedTimer sinceWrite;
        sinceWrite.start();
        QTRY_VERIFY_WITH_TIMEOUT(!client.verdicts.isEmpty(), 2000 + 5000);
        const qint64 atVerdict = sinceWrite.elapsed();
        const DeathVerdict v = client.verdicts.first();
        QVERIFY2(v.cause == DeathCause::UserTimeout, qPrintable(v.describe()));
        QCOMPARE(*v.budget, Millis(2200ms));
        QVERIFY2(std::abs(v.detection.count() - atVerdict) <= 300,
                 qPrintable(QStringLiteral("%1 against %2 ms since the send")
                                .arg(v.describe())
                                .arg(atVerdict)));
        QVERIFY2(v.timeliness() != DeathVerdict::Timeliness::Late, qPrintable(v.describe()));
        QVERIFY2(sinceWrite.elapsed() >= 2000 - 100,
                 qPrintable(QString::number(sinceWrite.elapsed())));
        QVERIFY2(sinceWrite.elapsed() <= 2000 + 1500,
                 qPrintable(QString::number(sinceWrite.elapsed())));
    }

    void withoutMechanismsASilentCutGoesUnnoticed()
    {
        // Experiment 1 of the original write-up: nothing notices.
        PingPeer peer;
        QVERIFY(peer.listen());
        LivenessClient client(LivenessSettings{});
        QVERIFY(client.connectTo(peer.port()));
        QString error;
        QVERIFY2(cutPort(peer.port(), &error), qPrintable(error));
        QTest::qWait(4000); // longer than every budget the other tests use
        QVERIFY(client.verdicts.isEmpty());
        QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    }
};

QTEST_GUILESS_MAIN(TestKernelLivenessNetns)
#include "tst_kernel_liveness_netns.moc"
