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
        QCOMPARE(v.describe(), QStringLiteral("heartbeat timeout after 1.02 s (budget 1.00 s)"));
        DeathVerdict local;
        local.cause = DeathCause::LocalClose;
        QVERIFY(!local.isFailure());
    }
};

QTEST_GUILESS_MAIN(TestDeathVerdict)
#include "tst_deathverdict.moc"
