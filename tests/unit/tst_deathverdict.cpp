#include "deathverdict.h"

#include <QTest>

using namespace longline;
using namespace std::chrono_literals;

class TestDeathVerdict : public QObject
{
    Q_OBJECT

    static ErrorContext context(QAbstractSocket::SocketError error)
    {
        ErrorContext c;
        c.error = error;
        c.sinceLastHeard = 3100ms;
        return c;
    }
    static KernelSocketView sample(quint32 unacked)
    {
        KernelSocketView v;
        v.valid = true;
        v.unacked = unacked;
        return v;
    }

private Q_SLOTS:
    void idleTimeoutWithKeepaliveIsKeepalive()
    {
        auto c = context(QAbstractSocket::SocketTimeoutError);
        c.settings.keepalive = {true, 1, 1, 2};
        c.lastSample = sample(0);
        const auto v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::KeepaliveTimeout);
        QCOMPARE(*v.budget, Millis(3s));
        QCOMPARE(v.detection, Millis(3100ms));
        QVERIFY(v.isTimeout());
        QVERIFY(!v.withinBudget());
        QVERIFY(v.withinBudget(200ms));
    }
    void timeoutWithDataInFlightIsUserTimeout()
    {
        auto c = context(QAbstractSocket::SocketTimeoutError);
        c.settings.keepalive = {true, 60, 5, 3};
        c.settings.userTimeout = 2000ms;
        c.lastSample = sample(3);
        const auto v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::UserTimeout);
        QCOMPARE(*v.budget, Millis(2200ms)); // user timeout + TCP_RTO_MIN
    }
    // The user timeout and retransmissions count from the first send that
    // went unacknowledged, not from the last byte received before it.
    void userTimeoutCountsFromTheFirstUnacknowledgedSend()
    {
        auto c = context(QAbstractSocket::SocketTimeoutError);
        c.settings.userTimeout = 10000ms;
        c.lastSample = sample(1);
        c.sinceLastHeard = 50900ms; // idle for 40 s, then the send
        c.sinceFirstUnacked = 10400ms;
        auto v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::UserTimeout);
        QCOMPARE(v.detection, Millis(10400ms));
        QCOMPARE(v.timeliness(), DeathVerdict::Timeliness::OnTime);
        c.settings.userTimeout = Millis{0};
        v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::RetransmitTimeout);
        QCOMPARE(v.detection, Millis(10400ms));
        // Keepalive still counts from the last sign of life.
        c.settings.keepalive = {true, 30, 5, 3};
        c.lastSample = sample(0);
        v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::KeepaliveTimeout);
        QCOMPARE(v.detection, Millis(50900ms));
    }
    // Within the budget, over it by no more than the scheduling tolerance
    // (on time, and said so), or late.
    void timelinessAndItsWords()
    {
        DeathVerdict v;
        v.cause = DeathCause::KeepaliveTimeout;
        QCOMPARE(v.timeliness(), DeathVerdict::Timeliness::NoBudget);
        v.budget = 6000ms;
        v.detection = 5900ms;
        QCOMPARE(v.timeliness(), DeathVerdict::Timeliness::WithinBudget);
        QCOMPARE(v.describe(),
                 QStringLiteral("kernel keepalive timeout after 5.90 s (budget 6.00 s)"));
        v.detection = 6130ms;
        QCOMPARE(v.timeliness(), DeathVerdict::Timeliness::OnTime);
        QCOMPARE(v.describe(),
                 QStringLiteral("kernel keepalive timeout after 6.13 s (budget 6.00 s; "
                                "130 ms over, within the 500 ms scheduling "
                                "tolerance)"));
        v.detection = 6600ms;
        QCOMPARE(v.timeliness(), DeathVerdict::Timeliness::Late);
        QCOMPARE(v.describe(),
                 QStringLiteral("kernel keepalive timeout after 6.60 s (budget 6.00 s, exceeded)"));
    }

    void timeoutWithUserTimeoutOnlyIsUserTimeout()
    {
        auto c = context(QAbstractSocket::SocketTimeoutError);
        c.settings.userTimeout = 2000ms;
        QCOMPARE(classifySocketError(c).cause, DeathCause::UserTimeout);
    }
    void timeoutWithoutMechanismsIsRetransmit()
    {
        auto c = context(QAbstractSocket::SocketTimeoutError);
        c.lastSample = sample(2);
        const auto v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::RetransmitTimeout);
        QVERIFY(!v.budget);
        QVERIFY(!v.withinBudget(1h));
    }
    void remoteClosedTellsResetFromFin()
    {
        auto c = context(QAbstractSocket::RemoteHostClosedError);
        c.tcpStateNow = 7; // CLOSE: a reset
        QCOMPARE(classifySocketError(c).cause, DeathCause::ResetByPeer);
        c.tcpStateNow = 8; // CLOSE_WAIT: a FIN
        QCOMPARE(classifySocketError(c).cause, DeathCause::ClosedByPeer);
        c.tcpStateNow.reset(); // descriptor already closed by Qt on EOF
        QCOMPARE(classifySocketError(c).cause, DeathCause::ClosedByPeer);
    }
    void otherErrorsAreLocal()
    {
        auto c = context(QAbstractSocket::HostNotFoundError);
        c.errorString = QStringLiteral("Host not found");
        const auto v = classifySocketError(c);
        QCOMPARE(v.cause, DeathCause::LocalError);
        QVERIFY(v.describe().contains(QStringLiteral("Host not found")));
    }
    void namesAndKeysAreStable()
    {
        QCOMPARE(DeathVerdict::causeKey(DeathCause::KeepaliveTimeout),
                 QStringLiteral("keepalive_timeout"));
        QCOMPARE(DeathVerdict::causeKey(DeathCause::HeartbeatTimeout),
                 QStringLiteral("heartbeat_timeout"));
        QCOMPARE(DeathVerdict::causeKey(DeathCause::UserTimeout), QStringLiteral("user_timeout"));
        QCOMPARE(DeathVerdict::causeKey(DeathCause::ResetByPeer), QStringLiteral("reset_by_peer"));
        DeathVerdict v;
        v.cause = DeathCause::HeartbeatTimeout;
        v.detection = 1020ms;
        v.budget = 1000ms;
        QCOMPARE(v.describe(),
                 QStringLiteral(
                     "heartbeat timeout after 1.02 s (budget 1.00 s; 20 ms over, within the 500 ms "
                     "scheduling tolerance)"));
        DeathVerdict local;
        local.cause = DeathCause::LocalClose;
        QVERIFY(!local.isFailure());
    }
};

QTEST_GUILESS_MAIN(TestDeathVerdict)
#include "tst_deathverdict.moc"
