// Finding a path's NAT idle timeout (IdleTimeoutProber) and adaptive
// keep-warm (AdaptiveKeepWarm) against the real longline-server, through a
// relay that forgets a connection after a configured idle time, as a NAT
// gateway does: silently, or answering the inside's next segment with a
// reset. The lab test (tests/lab/lab_measure_test.py) does the same through
// a real kernel NAT; this one runs anywhere, in seconds.

#include "adaptivekeepwarm.h"
#include "clitestsupport.h"
#include "forgetfulgateway.h"
#include "idletimeoutprober.h"
#include "keepwarm.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::testing;
using longline::test::ForgetfulGateway;
using longline::test::quickSearch;
using namespace std::chrono_literals;

namespace {

const QString Host = QStringLiteral("127.0.0.1");

IdleTimeoutResult runSearch(IdleTimeoutProber &prober, quint16 port, const IdleTimeoutSearch &s,
                            int timeoutMs = 30000)
{
    QSignalSpy done(&prober, &IdleTimeoutProber::finished);
    prober.start({Host, port, {}}, s);
    if (!done.wait(timeoutMs))
        return {};
    return done.first().first().value<IdleTimeoutResult>();
}

bool within(Millis measured, Millis truth, double fraction)
{
    return std::abs(static_cast<double>((measured - truth).count())) <=
           fraction * static_cast<double>(truth.count());
}

} // namespace

class TestIdleTimeout : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ServerProcess m_server;

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_SERVER();
        QVERIFY(m_dir.isValid());
        QVERIFY(m_server.start(m_dir.filePath(QStringLiteral("probe.db")), 0,
                               {QStringLiteral("--min-client-ping"), QStringLiteral("0"),
                                QStringLiteral("--max-probe-delay"), QStringLiteral("5")}));
    }

    void keepWarmArithmetic()
    {
        QCOMPARE(safeKeepWarmInterval(20000ms), 15000ms);
        QCOMPARE(safeKeepWarmInterval(200ms), MinKeepWarmInterval);
        LivenessSettings keepalive;
        keepalive.keepalive.enabled = true;
        const LivenessSettings k = withKeepWarmInterval(keepalive, 14900ms);
        QCOMPARE(k.keepalive.idleS, 14); // whole seconds, rounded down
        QVERIFY(!k.heartbeat.enabled);
        const LivenessSettings h = withKeepWarmInterval(LivenessSettings{}, 14950ms);
        QVERIFY(h.heartbeat.enabled); // nothing ran: heartbeats are switched on
        QCOMPARE(h.heartbeat.interval, 14900ms);
        // A keepalive probe and its ACK, 52 bytes each, 240 times an hour.
        const IdleTraffic ka = keepaliveIdleTraffic(15000ms);
        QCOMPARE(ka.packetsPerHour, 480.0);
        QCOMPARE(ka.bytesPerHour, 480.0 * SegmentOverheadBytes);
        // PING, PONG and an ACK; TLS makes each line a record.
        const IdleTraffic hb = heartbeatIdleTraffic(15000ms, false);
        const IdleTraffic hbTls = heartbeatIdleTraffic(15000ms, true);
        QCOMPARE(hb.packetsPerHour, 720.0);
        QVERIFY(hb.bytesPerHour > ka.bytesPerHour);
        QCOMPARE(hbTls.bytesPerHour - hb.bytesPerHour, 240.0 * 2 * TlsRecordOverheadBytes);
        // Keepalive with a longer idle than the heartbeat never fires.
        LivenessSettings both = h;
        both.keepalive.enabled = true;
        both.keepalive.idleS = 60;
        QCOMPARE(idleTraffic(both, false).packetsPerHour,
                 heartbeatIdleTraffic(h.heartbeat.interval, false).packetsPerHour);
        QCOMPARE(idleTraffic(LivenessSettings{}, false).packetsPerHour, 0.0);
    }

    void findsSilentTimeout()
    {
        ForgetfulGateway gateway(m_server.port(), 1000ms, ForgetfulGateway::Mode::Silent);
        QVERIFY(gateway.listen());
        IdleTimeoutProber prober;
        QSignalSpy rounds(&prober, &IdleTimeoutProber::roundStarted);
        IdleTimeoutSearch search = quickSearch();
        search.maxDelay = 64000ms; // 250 ms ... 64 s: nine doubling delays planned
        const IdleTimeoutResult r = runSearch(prober, gateway.port(), search);
        QCOMPARE(r.outcomeName(), QStringLiteral("measured"));
        QVERIFY2(r.survived < 1000ms && within(r.survived, 1000ms, 0.15), qPrintable(r.describe()));
        QVERIFY2(r.goneBy >= 1000ms && within(r.goneBy, 1000ms, 0.15), qPrintable(r.describe()));
        QCOMPARE(r.behaviour, ForgetBehaviour::Silent);
        QVERIFY(r.rounds >= 2); // a doubling round, then at least one bisection
        QCOMPARE(rounds.first().at(2).value<QList<Millis>>().size(), 9);
        // Four wait at once and one more starts per survivor (250, 500 and
        // perhaps 1000 ms): the longest ones, which a gateway would strand on
        // the server, never start.
        QVERIFY2(r.probes < 9 + 8 * (r.rounds - 1), qPrintable(QString::number(r.probes)));
        QCOMPARE(rounds.first().at(1).toString(), QStringLiteral("doubling"));
        QCOMPARE(rounds.at(1).at(1).toString(), QStringLiteral("bisection"));
        QVERIFY(gateway.forgotten() > 0);
        QVERIFY(r.describe().contains(QLatin1String("stays silent")));
    }

    void findsResettingTimeout()
    {
        ForgetfulGateway gateway(m_server.port(), 1500ms, ForgetfulGateway::Mode::Reset);
        QVERIFY(gateway.listen());
        IdleTimeoutProber prober;
        const IdleTimeoutResult r = runSearch(prober, gateway.port(), quickSearch());
        QCOMPARE(r.outcomeName(), QStringLiteral("measured"));
        QVERIFY2(within(r.survived, 1500ms, 0.15) && r.survived < 1500ms, qPrintable(r.describe()));
        QVERIFY2(within(r.goneBy, 1500ms, 0.15) && r.goneBy >= 1500ms, qPrintable(r.describe()));
        QCOMPARE(r.behaviour, ForgetBehaviour::Reset);
        QVERIFY(r.describe().contains(QLatin1String("reset")));
    }

    void finerResolutionNarrowsTheGap()
    {
        ForgetfulGateway gateway(m_server.port(), 1000ms, ForgetfulGateway::Mode::Silent);
        QVERIFY(gateway.listen());
        IdleTimeoutProber prober;
        IdleTimeoutSearch s = quickSearch();
        s.resolution = 0.03;
        const IdleTimeoutResult r = runSearch(prober, gateway.port(), s);
        QCOMPARE(r.outcomeName(), QStringLiteral("measured"));
        QVERIFY2((r.goneBy - r.survived).count() <= 0.03 * r.goneBy.count(),
                 qPrintable(r.describe()));
    }

    void pathWithoutTimeout()
    {
        IdleTimeoutProber prober;
        IdleTimeoutSearch s = quickSearch();
        s.maxDelay = 1000ms;
        const IdleTimeoutResult r = runSearch(prober, m_server.port(), s);
        QCOMPARE(r.outcomeName(), QStringLiteral("no_timeout"));
        QCOMPARE(r.survived, 1000ms);
        QCOMPARE(r.goneBy, 0ms);
        QCOMPARE(r.behaviour, ForgetBehaviour::Unknown);
        QCOMPARE(r.probes, 3); // 250, 500, 1000 ms
    }

    void cancelKeepsWhatWasKnown()
    {
        IdleTimeoutProber prober;
        QSignalSpy probes(&prober, &IdleTimeoutProber::probeFinished);
        QSignalSpy done(&prober, &IdleTimeoutProber::finished);
        prober.start({Host, m_server.port(), {}}, quickSearch());
        QTRY_VERIFY_WITH_TIMEOUT(probes.size() >= 2, 5000); // 250 and 500 ms survived
        prober.cancel();
        QCOMPARE(done.size(), 1);
        const auto r = done.first().first().value<IdleTimeoutResult>();
        QCOMPARE(r.outcomeName(), QStringLiteral("cancelled"));
        QVERIFY(r.survived >= 500ms);
        QVERIFY(!prober.isRunning());
    }

    void unreachableServerFails()
    {
        IdleTimeoutProber prober;
        const IdleTimeoutResult r = runSearch(prober, closedPort(), quickSearch());
        QCOMPARE(r.outcomeName(), QStringLiteral("failed"));
        QVERIFY(!r.error.isEmpty());
    }

    void serverRefusesLongProbes()
    {
        // The server allows 5 s; longer probes get ERR and do not count,
        // but the server's own maximum is tried once.
        IdleTimeoutProber prober;
        IdleTimeoutSearch s = quickSearch();
        s.minDelay = 20000ms;
        s.maxDelay = 40000ms;
        QSignalSpy probes(&prober, &IdleTimeoutProber::probeFinished);
        const IdleTimeoutResult r = runSearch(prober, m_server.port(), s);
        QCOMPARE(r.outcomeName(), QStringLiteral("no_timeout"));
        QCOMPARE(r.serverMax, 5000ms);
        QCOMPARE(r.survived, 5000ms);
        QCOMPARE(probes.first().at(1).value<ProbeOutcome>(), ProbeOutcome::Refused);
        QVERIFY2(r.describe().contains(QLatin1String("the longest this server lets a probe wait")),
                 qPrintable(r.describe()));
    }

    // A gateway that re-creates a forgotten mapping for the client's next
    // segment (Linux's loose connection tracking): the probe's PING gets
    // through to the server, which still holds the probe open, and the
    // gateway is still called silent, not resetting.
    void recreatingGatewayIsSilent()
    {
        ForgetfulGateway gateway(m_server.port(), 1000ms, ForgetfulGateway::Mode::Recreate);
        QVERIFY(gateway.listen());
        IdleTimeoutProber prober;
        QSignalSpy probes(&prober, &IdleTimeoutProber::probeFinished);
        const IdleTimeoutResult r = runSearch(prober, gateway.port(), quickSearch());
        QCOMPARE(r.outcomeName(), QStringLiteral("measured"));
        QCOMPARE(r.behaviour, ForgetBehaviour::Silent);
        QVERIFY2(within(r.goneBy, 1000ms, 0.15), qPrintable(r.describe()));
        bool pingCrossed = false;
        for (const auto &p : probes)
            pingCrossed = pingCrossed || p.at(2).toString().contains(QLatin1String("got through"));
        QVERIFY(pingCrossed);
    }

    void checkOnceReportsOneProbe()
    {
        ForgetfulGateway gateway(m_server.port(), 600ms, ForgetfulGateway::Mode::Silent);
        QVERIFY(gateway.listen());
        IdleTimeoutProber prober;
        QSignalSpy done(&prober, &IdleTimeoutProber::finished);
        prober.checkOnce({Host, gateway.port(), {}}, 300ms, quickSearch());
        QVERIFY(done.wait(5000));
        auto r = done.takeFirst().first().value<IdleTimeoutResult>();
        QCOMPARE(r.survived, 300ms);
        QCOMPARE(r.probes, 1);
        prober.checkOnce({Host, gateway.port(), {}}, 900ms, quickSearch());
        QVERIFY(done.wait(5000));
        r = done.takeFirst().first().value<IdleTimeoutResult>();
        QCOMPARE(r.goneBy, 900ms);
        QCOMPARE(r.survived, 0ms);
    }

    // Adaptive mode: measures, keeps warm below the timeout (the connection
    // stays up across idle spells longer than the timeout), and when the
    // gateway's timeout drops under the interval, halves it at once,
    // reconnects and measures again.
    void adaptiveRecoversWhenTheTimeoutDrops_data()
    {
        QTest::addColumn<bool>("reset");
        QTest::newRow("silent gateway: the keep-warm times out") << false;
        QTest::newRow("resetting gateway: the keep-warm gets a RST") << true;
    }

    void adaptiveRecoversWhenTheTimeoutDrops()
    {
        QFETCH(bool, reset);
        ForgetfulGateway gateway(m_server.port(), 2000ms,
                                 reset ? ForgetfulGateway::Mode::Reset
                                       : ForgetfulGateway::Mode::Silent);
        QVERIFY(gateway.listen());
        ChatClient client;
        LivenessSettings settings;
        settings.heartbeat.enabled = true;
        settings.heartbeat.interval = 300ms;
        settings.heartbeat.timeout = 700ms;
        client.setLivenessSettings(settings);
        AdaptiveKeepWarm adaptive(&client, m_dir.filePath(QStringLiteral("paths.ini")));
        adaptive.setSearch(quickSearch());
        QSignalSpy applied(&adaptive, &AdaptiveKeepWarm::applied);
        QSignalSpy lost(&client, &ChatClient::connectionLost);
        adaptive.setEnabled(true);
        client.connectToServer(Host, gateway.port(), QStringLiteral("ada"));

        QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 20000);
        auto reason = [&](int i) { return applied.at(i).at(2).value<AdaptiveKeepWarm::Reason>(); };
        auto interval = [&](int i) { return applied.at(i).at(0).value<Millis>(); };
        QCOMPARE(reason(0), AdaptiveKeepWarm::Reason::Measured);
        QVERIFY2(interval(0) >= 1300ms && interval(0) < 2000ms,
                 qPrintable(formatMillis(interval(0))));
        QCOMPARE(client.livenessSettings().heartbeat.interval, interval(0));
        // Kept warm: 5 s of idle chat, 2.5 gateway timeouts, and no death.
        QTest::qWait(5000);
        QCOMPARE(lost.size(), 0);
        QCOMPARE(client.state(), ChatClient::State::Online);
        const std::optional<Millis> stored = adaptive.storedSurvival(adaptive.currentNetwork());
        QVERIFY(stored && *stored >= 1700ms);

        // The gateway now forgets after 0.8 s: the next keep-warm is lost.
        gateway.setTimeout(800ms);
        QTRY_VERIFY_WITH_TIMEOUT(lost.size() >= 1, 10000);
        QCOMPARE(lost.first().first().value<DeathVerdict>().cause,
                 reset ? DeathCause::ResetByPeer : DeathCause::HeartbeatTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 2, 2000);
        QCOMPARE(reason(1), AdaptiveKeepWarm::Reason::FailedKeepWarm);
        QVERIFY2(interval(1) < 800ms, qPrintable(formatMillis(interval(1))));
        // Back online, measured again: just below the new timeout.
        QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 3, 30000);
        QCOMPARE(reason(2), AdaptiveKeepWarm::Reason::Measured);
        QVERIFY2(interval(2) < 800ms && interval(2) >= 450ms,
                 qPrintable(formatMillis(interval(2))));
        const int deaths = lost.size();
        QTest::qWait(3000);
        QCOMPARE(lost.size(), deaths);
        QCOMPARE(client.state(), ChatClient::State::Online);
    }

    // A stored value is applied at once on the next connection, without a
    // new measurement; a failed re-check lowers it and measures again.
    void storedValueAndRecheck()
    {
        const QString store = m_dir.filePath(QStringLiteral("recheck.ini"));
        ForgetfulGateway gateway(m_server.port(), 1200ms, ForgetfulGateway::Mode::Silent);
        QVERIFY(gateway.listen());
        {
            ChatClient client;
            AdaptiveKeepWarm adaptive(&client, store);
            adaptive.setSearch(quickSearch());
            QSignalSpy applied(&adaptive, &AdaptiveKeepWarm::applied);
            adaptive.setEnabled(true);
            client.connectToServer(Host, gateway.port(), QStringLiteral("rick"));
            QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 20000);
            client.disconnectFromServer();
        }
        ChatClient client;
        AdaptiveKeepWarm adaptive(&client, store);
        adaptive.setSearch(quickSearch());
        adaptive.setRecheckInterval(500ms);
        QSignalSpy applied(&adaptive, &AdaptiveKeepWarm::applied);
        QSignalSpy measuring(&adaptive, &AdaptiveKeepWarm::measuring);
        QSignalSpy rechecked(&adaptive, &AdaptiveKeepWarm::rechecked);
        adaptive.setEnabled(true);
        client.connectToServer(Host, gateway.port(), QStringLiteral("rick"));
        QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 1, 5000);
        QCOMPARE(applied.first().at(2).value<AdaptiveKeepWarm::Reason>(),
                 AdaptiveKeepWarm::Reason::Stored);
        QCOMPARE(measuring.size(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(rechecked.size() >= 1, 5000);
        QCOMPARE(rechecked.first().at(1).value<ProbeOutcome>(), ProbeOutcome::Survived);
        // Shorter now: the next re-check is lost, so halve and measure.
        gateway.setTimeout(600ms);
        QTRY_VERIFY_WITH_TIMEOUT(measuring.size() >= 1, 10000);
        QVERIFY(rechecked.size() >= 2);
        QCOMPARE(rechecked.last().at(1).value<ProbeOutcome>(), ProbeOutcome::Silent);
        QCOMPARE(applied.at(1).at(2).value<AdaptiveKeepWarm::Reason>(),
                 AdaptiveKeepWarm::Reason::RecheckFailed);
        QTRY_VERIFY_WITH_TIMEOUT(applied.size() >= 3, 20000);
        QCOMPARE(applied.at(2).at(2).value<AdaptiveKeepWarm::Reason>(),
                 AdaptiveKeepWarm::Reason::Measured);
        QVERIFY(applied.at(2).at(0).value<Millis>() < 600ms);
    }
};

QTEST_GUILESS_MAIN(TestIdleTimeout)
#include "tst_idletimeout.moc"
