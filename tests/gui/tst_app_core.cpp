// The desktop client's presentation logic without widgets: liveness
// configuration and presets, detection-budget wording and warnings, the
// chat log's once-per-message guarantee, keepalive-probe inference for the
// timeline, CSV export, settings persistence, the command line, and the
// completeness of the Chinese translation.

#include "appoptions.h"
#include "budgetreport.h"
#include "chatlogmodel.h"
#include "eventlogmodel.h"
#include "inputassist.h"
#include "livenessconfig.h"
#include "presentation.h"
#include "settingsstore.h"
#include "timelinemodel.h"

#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace longline;
using namespace longline::app;
using namespace std::chrono_literals;

namespace {
protocol::ChatMessage message(qint64 seq, const QString &nick, const QString &text)
{
    protocol::ChatMessage m;
    m.seq = seq;
    m.time = QDateTime::currentDateTimeUtc();
    m.nick = nick;
    m.text = text;
    return m;
}

LivenessConfig preset(const QString &key)
{
    for (const auto &p : livenessPresets()) {
        if (p.key == key)
            return p.config;
    }
    qFatal("no preset %s", qPrintable(key));
}

KernelSocketView sample(quint32 lastAck, quint32 lastDataRecv, quint32 lastDataSent,
                        quint32 unacked = 0, quint8 probes = 0)
{
    KernelSocketView v;
    v.valid = true;
    v.state = 1;
    v.lastAckRecvMs = lastAck;
    v.lastDataRecvMs = lastDataRecv;
    v.lastDataSentMs = lastDataSent;
    v.unacked = unacked;
    v.probes = probes;
    return v;
}
} // namespace

class TestAppCore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void modeMapsToEnabledMechanisms_data()
    {
        QTest::addColumn<LivenessMode>("mode");
        QTest::addColumn<bool>("keepalive");
        QTest::addColumn<bool>("heartbeat");
        QTest::newRow("none") << LivenessMode::None << false << false;
        QTest::newRow("keepalive") << LivenessMode::Keepalive << true << false;
        QTest::newRow("heartbeat") << LivenessMode::Heartbeat << false << true;
        QTest::newRow("both") << LivenessMode::Both << true << true;
    }
    void modeMapsToEnabledMechanisms()
    {
        QFETCH(LivenessMode, mode);
        QFETCH(bool, keepalive);
        QFETCH(bool, heartbeat);
        LivenessConfig c = defaultLivenessConfig();
        c.mode = mode;
        const LivenessSettings s = c.toSettings();
        QCOMPARE(s.keepalive.enabled, keepalive);
        QCOMPARE(s.heartbeat.enabled, heartbeat);
        QCOMPARE(s.keepalive.idleS, c.keepalive.idleS); // values survive being off
        QCOMPARE(LivenessConfig::fromSettings(s).mode, mode);
        QCOMPARE(modeFromKey(modeKey(mode)), std::optional<LivenessMode>(mode));
    }

    void presetsHaveTheDocumentedValues()
    {
        const LivenessConfig linuxDefaults = preset(QStringLiteral("linux"));
        QCOMPARE(linuxDefaults.mode, LivenessMode::Keepalive);
        QCOMPARE(linuxDefaults.keepalive.idleS, 7200);
        QCOMPARE(linuxDefaults.keepalive.intervalS, 75);
        QCOMPARE(linuxDefaults.keepalive.count, 9);
        const LivenessConfig writeup = preset(QStringLiteral("writeup"));
        QCOMPARE(writeup.keepalive.idleS, 60);
        QCOMPARE(writeup.keepalive.intervalS, 5);
        QCOMPARE(writeup.keepalive.count, 3);
        const LivenessConfig chromium = preset(QStringLiteral("chromium"));
        QCOMPARE(chromium.keepalive.idleS, 45);
        QCOMPARE(chromium.keepalive.intervalS, 45);
        QCOMPARE(chromium.keepalive.count, 9);
        const LivenessConfig classroom = preset(QStringLiteral("classroom"));
        QCOMPARE(classroom.mode, LivenessMode::Both);
        QCOMPARE(classroom.keepalive.idleS, 3);
        QCOMPARE(classroom.heartbeat.interval, Millis(2s));
        QCOMPARE(classroom.heartbeat.timeout, Millis(2s));
    }

    void matchingPresetIgnoresValuesOfSwitchedOffMechanisms()
    {
        LivenessConfig c = preset(QStringLiteral("writeup"));
        c.heartbeat.interval = 3s; // heartbeats are off in this preset
        c.natTimeoutS = 180;
        QCOMPARE(matchingPreset(c)->key, QStringLiteral("writeup"));
        c.keepalive.count = 4;
        QVERIFY(!matchingPreset(c));
    }

    void budgetIsTheSoonestMechanism()
    {
        LivenessConfig c = preset(QStringLiteral("classroom"));
        BudgetReport r = BudgetReport::analyze(c);
        // keepalive 3 + 1 x 3 = 6 s; heartbeat 2 + 2 = 4 s
        QCOMPARE(*r.budget, Millis(4s));
        QCOMPARE(r.budget, c.toSettings().detectionBudget());
        QCOMPARE(r.lines.size(), 2);
        QVERIFY(r.warnings.isEmpty());

        r = BudgetReport::analyze(preset(QStringLiteral("linux")));
        QCOMPARE(*r.budget, Millis(7200s + 9 * 75s));
        // Keepalive alone leaves unacknowledged data to 15 minutes of retries.
        QCOMPARE(r.warnings.size(), 1);
        QVERIFY(r.warnings.first().contains(QLatin1String("15 minutes")));

        c.mode = LivenessMode::None;
        r = BudgetReport::analyze(c);
        QVERIFY(!r.budget);
        QVERIFY(r.headline().contains(QLatin1String("never")));
        QCOMPARE(r.warnings.size(), 1);
    }

    void budgetWithUserTimeoutUsesTheKernelRule()
    {
        LivenessConfig c = preset(QStringLiteral("writeup"));
        c.userTimeout = 10s;
        const BudgetReport r = BudgetReport::analyze(c);
        QCOMPARE(*r.budget, c.keepalive.detectionBudget(10s));
        QVERIFY(r.warnings.isEmpty()); // the user timeout covers unacknowledged data
    }

    void natWarningWhenKeepWarmIntervalIsTooLong()
    {
        LivenessConfig c = preset(QStringLiteral("linux"));
        c.natTimeoutS = 180;
        BudgetReport r = BudgetReport::analyze(c);
        QVERIFY(r.natWarning);
        QVERIFY(r.warnings.join(QLatin1Char(' ')).contains(QLatin1String("NAT")));

        c = preset(QStringLiteral("writeup")); // 60 s idle < 180 s
        c.natTimeoutS = 180;
        r = BudgetReport::analyze(c);
        QVERIFY(!r.natWarning);

        c = defaultLivenessConfig(); // keepalive 60 s, heartbeat 15 s
        c.natTimeoutS = 30;          // keepalive too slow, heartbeat fine
        r = BudgetReport::analyze(c);
        QVERIFY(r.natWarning);
        QCOMPARE(r.warnings.size(), 1);
        c.natTimeoutS = 10; // both too slow
        r = BudgetReport::analyze(c);
        QCOMPARE(r.warnings.size(), 3);
        c.natTimeoutS = 0; // unknown: no warning
        QVERIFY(!BudgetReport::analyze(c).natWarning);
    }

    void minPingWarning()
    {
        LivenessConfig c = defaultLivenessConfig();
        c.heartbeat.interval = 500ms;
        QVERIFY(BudgetReport::analyze(c, Millis(1s))
                    .warnings.join(QString())
                    .contains(QLatin1String("at most every ") + Presentation::duration(1s)));
        QVERIFY(BudgetReport::analyze(c, Millis(0)).warnings.isEmpty());
    }

    void durations()
    {
        // A number keeps its unit on the same line (U+00A0, no-break space).
        QCOMPARE(Presentation::duration(350ms), QStringLiteral("350\u00a0ms"));
        QCOMPARE(Presentation::duration(1250ms), QStringLiteral("1.25\u00a0s"));
        QCOMPARE(Presentation::duration(75s), QStringLiteral("1\u00a0min 15\u00a0s"));
        QCOMPARE(Presentation::duration(180s), QStringLiteral("3\u00a0min"));
        QCOMPARE(Presentation::duration(7200s), QStringLiteral("2\u00a0h"));
        QCOMPARE(Presentation::axisLabel(60s), QStringLiteral("−1\u00a0min"));
        QCOMPARE(Presentation::axisLabel(30s), QStringLiteral("−30\u00a0s"));
        QCOMPARE(Presentation::rtt(121), QStringLiteral("121\u00a0ms"));
        QCOMPARE(Presentation::keepUnitsTogether(
                     QStringLiteral("keepalive 60,5,3, user-timeout 30000 ms")),
                 QStringLiteral("keepalive 60,5,3, user-timeout 30000\u00a0ms"));
        // In Chinese the counter holds its number too: "（第 1 次）" never wraps.
        QCOMPARE(Presentation::keepCountsTogether(QStringLiteral("重试（第 1 次）")),
                 QStringLiteral("重试（第\u00a01\u00a0次）"));
        // A legend wraps between its items only: spaces within an item are
        // non-breaking, Chinese characters joined (U+2060).
        QCOMPARE(Presentation::legend(QStringLiteral("● ping round trip   ▲ probe unanswered")),
                 QStringLiteral("●\u2060\u00a0ping\u00a0round\u00a0trip   "
                                "▲\u2060\u00a0probe\u00a0unanswered"));
        QCOMPARE(
            Presentation::legend(QStringLiteral("┆ 收到字节   | 判定")),
            QStringLiteral("┆\u2060\u00a0收\u2060到\u2060字\u2060节   |\u2060\u00a0判\u2060定"));
        // The English cause names are the shared library's.
        for (auto c :
             {DeathCause::HeartbeatTimeout, DeathCause::KeepaliveTimeout, DeathCause::UserTimeout,
              DeathCause::RetransmitTimeout, DeathCause::ResetByPeer, DeathCause::ClosedByPeer,
              DeathCause::LocalError, DeathCause::LocalClose})
            QCOMPARE(Presentation::cause(c), DeathVerdict::causeName(c));
    }

    void ownMessageShownOnceThroughQueueAckAndEcho()
    {
        ChatLogModel m;
        m.addOwnQueued(QStringLiteral("c1"), QStringLiteral("alice"), QStringLiteral("hello"),
                       QDateTime::currentDateTime());
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.entry(0).delivery, ChatEntry::Delivery::Unsent);
        m.acknowledge(QStringLiteral("c1"), 7);
        QCOMPARE(m.entry(0).delivery, ChatEntry::Delivery::Sent);
        QCOMPARE(m.entry(0).seq, 7);
        m.addMessage(message(7, QStringLiteral("alice"), QStringLiteral("hello")), false,
                     QStringLiteral("alice"));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.countMessagesWithText(QStringLiteral("hello")), 1);
    }

    void resentMessageFirstSeenInHistoryIsShownOnce()
    {
        // The ACK was lost with the old connection; after the reconnect the
        // history brings the message, then the resend is acknowledged.
        ChatLogModel m;
        m.addOwnQueued(QStringLiteral("c1"), QStringLiteral("alice"), QStringLiteral("typed"),
                       QDateTime::currentDateTime());
        m.addMessage(message(3, QStringLiteral("bob"), QStringLiteral("missed")), true,
                     QStringLiteral("alice"));
        m.addMessage(message(4, QStringLiteral("alice"), QStringLiteral("typed")), true,
                     QStringLiteral("alice"));
        QCOMPARE(m.countMessagesWithText(QStringLiteral("typed")), 2);
        // Unsent messages stay at the bottom, below numbered ones.
        QCOMPARE(m.entry(m.rowCount() - 1).delivery, ChatEntry::Delivery::Unsent);
        m.acknowledge(QStringLiteral("c1"), 4);
        QCOMPARE(m.countMessagesWithText(QStringLiteral("typed")), 1);
        QCOMPARE(m.unsentCount(), 0);
        QCOMPARE(m.rowForCid(QStringLiteral("c1")), m.rowForSeq(4));
        QCOMPARE(m.entry(m.rowForSeq(4)).delivery, ChatEntry::Delivery::Sent);
    }

    void repeatedSeqIsNotShownTwice()
    {
        ChatLogModel m;
        m.addMessage(message(5, QStringLiteral("bob"), QStringLiteral("hi")), false, {});
        m.addMessage(message(5, QStringLiteral("bob"), QStringLiteral("hi")), true, {});
        QCOMPARE(m.rowCount(), 1);
    }

    void controlCharactersAreSanitized()
    {
        ChatLogModel m;
        m.addMessage(message(1, QStringLiteral("eve"), QStringLiteral("a\x1b[31mred")), false, {});
        QVERIFY(!m.entry(0).text.contains(QChar(0x1b)));
        QVERIFY(m.entry(0).text.contains(QChar(0xfffd)));
    }

    void probeAnsweredIsInferredFromAckWithoutData()
    {
        TimelineModel t;
        QSignalSpy answered(&t, &TimelineModel::probeAnswered);
        // Idle connection: every age grows with time.
        t.noteKernelSample(Millis(10000), sample(3000, 3000, 3000));
        t.noteKernelSample(Millis(10250), sample(3250, 3250, 3250));
        QCOMPARE(answered.size(), 0);
        // An ACK arrived 100 ms ago; no data in either direction.
        t.noteKernelSample(Millis(10500), sample(100, 3500, 3500));
        QCOMPARE(answered.size(), 1);
        QCOMPARE(t.count(TimelineEvent::Type::ProbeAnswered), 1);
        QCOMPARE(t.events().last().at, Millis(10400));
    }

    void ackWithDataIsNotAProbe()
    {
        TimelineModel t;
        t.noteKernelSample(Millis(10000), sample(3000, 3000, 3000));
        t.noteKernelSample(Millis(10500), sample(50, 50, 3500)); // a PONG or chat line
        QCOMPARE(t.count(TimelineEvent::Type::ProbeAnswered), 0);
        t.noteKernelSample(Millis(11000), sample(20, 550, 30)); // our data acknowledged
        QCOMPARE(t.count(TimelineEvent::Type::ProbeAnswered), 0);
        // Outstanding data: an ACK is for it, not for a probe.
        t.noteKernelSample(Millis(11500), sample(520, 1050, 530, 1));
        t.noteKernelSample(Millis(12000), sample(10, 1550, 1030, 0));
        QCOMPARE(t.count(TimelineEvent::Type::ProbeAnswered), 0);
    }

    void unansweredProbesAreCounted()
    {
        TimelineModel t;
        QSignalSpy unanswered(&t, &TimelineModel::probeUnanswered);
        t.noteKernelSample(Millis(10000), sample(3000, 3000, 3000, 0, 0));
        t.noteKernelSample(Millis(11000), sample(4000, 4000, 4000, 0, 1));
        t.noteKernelSample(Millis(12000), sample(5000, 5000, 5000, 0, 2));
        QCOMPARE(unanswered.size(), 2);
        QCOMPARE(unanswered.last().first().toInt(), 2);
        // A new connection starts a new comparison.
        t.noteConnected(Millis(13000));
        t.noteKernelSample(Millis(13100), sample(100, 100, 100, 0, 1));
        QCOMPARE(unanswered.size(), 2);
    }

    void pingsMatchRoundTripsAndDeathsLoseThem()
    {
        TimelineModel t;
        t.notePingSent(Millis(1000), QStringLiteral("a"));
        t.notePingSent(Millis(2000), QStringLiteral("b"));
        t.noteRtt(Millis(1004), Millis(4));
        QCOMPARE(t.events().at(0).rtt, std::optional<Millis>(Millis(4)));
        QVERIFY(!t.events().at(1).rtt);
        DeathVerdict v;
        v.cause = DeathCause::HeartbeatTimeout;
        t.noteDead(Millis(3000), v, Millis(2100));
        QVERIFY(t.events().at(1).lost);
        // The death remembers where the silence began, for the timeline.
        QCOMPARE(t.events().back().lastHeard, std::optional<Millis>(Millis(2100)));
        QCOMPARE(t.count(TimelineEvent::Type::Dead), 1);
        v.cause = DeathCause::LocalClose;
        t.noteDead(Millis(4000), v);
        QCOMPARE(t.count(TimelineEvent::Type::Closed), 1);
    }

    void bannerSaysHowSoonItNoticed()
    {
        DeathVerdict v;
        v.cause = DeathCause::HeartbeatTimeout;
        v.budget = Millis(6000);
        v.detection = Millis(5000);
        QVERIFY(Presentation::noticed(v).contains(QLatin1String("within the budget of")));
        // Over the budget by less than the scheduling tolerance: on time,
        // never "within" a budget it exceeds.
        v.detection = Millis(6130);
        QVERIFY2(Presentation::noticed(v).contains(QLatin1String(", on time: the budget is")),
                 qPrintable(Presentation::noticed(v)));
        v.detection = Millis(6000) + DeathVerdict::SchedulingTolerance + Millis(1);
        QVERIFY(Presentation::noticed(v).contains(QLatin1String("later than the budget")));
        v.budget.reset();
        QCOMPARE(Presentation::noticed(v),
                 QStringLiteral("Noticed after %1.").arg(Presentation::duration(v.detection)));
    }

    void savedServersRememberEachServerOnce()
    {
        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        QVERIFY(store.savedServers().isEmpty());
        ConnectionProfile a(QStringLiteral("chat.example"), 9999, QStringLiteral("ann"));
        a.password = QStringLiteral("secret");
        store.setConnection(a);
        store.setConnection({QStringLiteral("127.0.0.1"), 4242, QStringLiteral("bo")});
        // The same server again, another nick: one entry, moved first.
        store.setConnection({QStringLiteral("CHAT.example"), 9999, QStringLiteral("cy")});
        const QList<ConnectionProfile> saved = store.savedServers();
        QCOMPARE(saved.size(), 2);
        QCOMPARE(saved.at(0).nick, QStringLiteral("cy"));
        QCOMPARE(saved.at(1).port, quint16(4242));
        QVERIFY(saved.at(0).password.isEmpty()); // never written to disk
        for (int i = 0; i < SettingsStore::MaxSavedServers + 3; ++i)
            store.setConnection({QStringLiteral("h%1").arg(i), 1000, QStringLiteral("n")});
        QCOMPARE(store.savedServers().size(), SettingsStore::MaxSavedServers);
    }

    void csvQuotesWhatNeedsQuoting()
    {
        EventLogModel log;
        log.add(QStringLiteral("dead"), QStringLiteral("heartbeat timeout, \"late\""),
                QDateTime(QDate(2026, 11, 23), QTime(21, 50, 0, 123), Qt::UTC));
        log.add(QStringLiteral("state"), QStringLiteral("Online"));
        const QStringList lines = QString::fromUtf8(log.toCsv()).split(QStringLiteral("\r\n"));
        QCOMPARE(lines.at(0), QStringLiteral("time,event,details"));
        QCOMPARE(lines.at(1), QStringLiteral("2026-11-23T21:50:00.123Z,dead,\"heartbeat timeout, "
                                             "\"\"late\"\"\""));
        QVERIFY(lines.at(2).endsWith(QLatin1String(",state,Online")));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.csv"));
        QVERIFY(log.saveCsv(path));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), log.toCsv());
    }

    void settingsPersist()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.ini"));
        LivenessConfig c = preset(QStringLiteral("classroom"));
        c.mode = LivenessMode::Heartbeat; // keepalive values kept while off
        c.userTimeout = 2500ms;
        c.heartbeat.interval = 1500ms;
        c.natTimeoutS = 180;
        {
            SettingsStore store(path);
            QCOMPARE(store.liveness(), defaultLivenessConfig()); // nothing stored yet
            store.setLiveness(c);
            store.setConnection({QStringLiteral("203.0.113.7"), 4242, QStringLiteral("李雷")});
            store.setLargeFont(true);
        }
        SettingsStore again(path);
        QCOMPARE(again.liveness(), c);
        QCOMPARE(again.connection().host, QStringLiteral("203.0.113.7"));
        QCOMPARE(again.connection().port, quint16(4242));
        QCOMPARE(again.connection().nick, QStringLiteral("李雷"));
        QVERIFY(again.largeFont());
    }

    void commandLine()
    {
        QString error;
        auto o = AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--host"), QStringLiteral("::1"),
             QStringLiteral("--port"), QStringLiteral("4000"), QStringLiteral("--nick"),
             QStringLiteral("bob"), QStringLiteral("--connect"), QStringLiteral("--lang"),
             QStringLiteral("zh_CN"), QStringLiteral("--large-font")},
            &error);
        QVERIFY2(o, qPrintable(error));
        QCOMPARE(*o->host, QStringLiteral("::1"));
        QCOMPARE(*o->port, quint16(4000));
        QCOMPARE(*o->nick, QStringLiteral("bob"));
        QVERIFY(o->connectNow);
        QVERIFY(o->largeFont);
        QCOMPARE(o->language, QStringLiteral("zh_CN"));
        QVERIFY(!AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--port"), QStringLiteral("70000")},
            &error));
        QVERIFY(error.contains(QLatin1String("70000")));
    }

    // Up and Down walk the sent lines; the line being typed comes back.
    void inputHistoryKeepsTheDraft()
    {
        InputHistory h;
        QVERIFY(!h.older(QStringLiteral("typing")));
        h.add(QStringLiteral("first"));
        h.add(QStringLiteral("second"));
        h.add(QStringLiteral("second")); // a repeat is kept once
        h.add(QStringLiteral("   "));    // blanks are not kept
        QCOMPARE(h.size(), 2);
        QCOMPARE(h.older(QStringLiteral("draft")).value_or(QString()), QStringLiteral("second"));
        QCOMPARE(h.older(QStringLiteral("second")).value_or(QString()), QStringLiteral("first"));
        QCOMPARE(h.older(QStringLiteral("first")).value_or(QString()), QStringLiteral("first"));
        QCOMPARE(h.newer().value_or(QString()), QStringLiteral("second"));
        QCOMPARE(h.newer().value_or(QString()), QStringLiteral("draft"));
        QVERIFY(!h.newer()); // not browsing any more
        for (int i = 0; i < InputHistory::MaxLines + 10; ++i)
            h.add(QString::number(i));
        QCOMPARE(h.size(), InputHistory::MaxLines);
    }

    // Tab completes the nick before the cursor, IRC style, and cycles.
    void tabCompletesNicks()
    {
        NickCompleter c;
        const QStringList nicks{QStringLiteral("bob"), QStringLiteral("Alice"),
                                QStringLiteral("alfred")};
        auto r = c.complete(QStringLiteral("al"), 2, nicks);
        QVERIFY(r);
        QCOMPARE(r->text, QStringLiteral("alfred: ")); // sorted, case-insensitive
        QCOMPARE(r->cursor, 8);
        r = c.complete(r->text, r->cursor, nicks);
        QCOMPARE(r->text, QStringLiteral("Alice: "));
        r = c.complete(r->text, r->cursor, nicks);
        QCOMPARE(r->text, QStringLiteral("alfred: ")); // round again
        // Inside a line: a space after, the rest kept.
        c.reset();
        r = c.complete(QStringLiteral("hi b there"), 4, nicks);
        QVERIFY(r);
        QCOMPARE(r->text, QStringLiteral("hi bob  there"));
        QCOMPARE(r->cursor, 7);
        c.reset();
        QVERIFY(!c.complete(QStringLiteral("zed"), 3, nicks));
        QVERIFY(!c.complete(QStringLiteral("hi "), 3, nicks)); // no word to complete
    }

    // The lab starts the window with a lesson step's settings.
    void commandLineLiveness()
    {
        QString error;
        auto o = AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--keepalive"), QStringLiteral("3,2,3"),
             QStringLiteral("--heartbeat"), QStringLiteral("off"), QStringLiteral("--user-timeout"),
             QStringLiteral("5000"), QStringLiteral("--nat-timeout"), QStringLiteral("10")},
            &error);
        QVERIFY2(o, qPrintable(error));
        LivenessConfig saved = defaultLivenessConfig();
        saved.mode = LivenessMode::Heartbeat;
        const LivenessConfig c =
            saved.withOverrides(o->keepalive, o->userTimeout, o->heartbeat, o->natTimeoutS);
        QCOMPARE(c.mode, LivenessMode::Keepalive);
        QCOMPARE(c.keepalive.idleS, 3);
        QCOMPARE(c.keepalive.intervalS, 2);
        QCOMPARE(c.keepalive.count, 3);
        QCOMPARE(c.userTimeout, Millis(5000));
        QCOMPARE(c.natTimeoutS, 10);
        // What is not given stays as saved.
        auto only = AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--heartbeat"), QStringLiteral("2,1")},
            &error);
        QVERIFY2(only, qPrintable(error));
        const LivenessConfig both = defaultLivenessConfig().withOverrides(
            only->keepalive, only->userTimeout, only->heartbeat, only->natTimeoutS);
        QCOMPARE(both.mode, LivenessMode::Both);
        QCOMPARE(both.heartbeat.interval, Millis(2000));
        QCOMPARE(both.keepalive.idleS, defaultLivenessConfig().keepalive.idleS);
        QCOMPARE(both.natTimeoutS, defaultLivenessConfig().natTimeoutS);
        // Everything off is mode None.
        auto off = AppOptions::parse({QStringLiteral("longline"), QStringLiteral("--heartbeat"),
                                      QStringLiteral("off"), QStringLiteral("--keepalive"),
                                      QStringLiteral("off")},
                                     &error);
        QVERIFY2(off, qPrintable(error));
        QCOMPARE(
            defaultLivenessConfig()
                .withOverrides(off->keepalive, off->userTimeout, off->heartbeat, off->natTimeoutS)
                .mode,
            LivenessMode::None);
        // Bad values name the flag.
        QVERIFY(!AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--keepalive"), QStringLiteral("1,2")},
            &error));
        QVERIFY2(error.startsWith(QLatin1String("--keepalive")), qPrintable(error));
        QVERIFY(!AppOptions::parse(
            {QStringLiteral("longline"), QStringLiteral("--nat-timeout"), QStringLiteral("-1")},
            &error));
        QVERIFY2(error.startsWith(QLatin1String("--nat-timeout")), qPrintable(error));
    }

    void chineseTranslationIsComplete()
    {
        QFile file(qEnvironmentVariable("LONGLINE_SOURCE_DIR") +
                   QStringLiteral("/resources/translations/longline_zh_CN.ts"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        QXmlStreamReader xml(&file);
        int messages = 0;
        QString context, source;
        QStringList problems;
        static const QRegularExpression placeholder(QStringLiteral("%(\\d|n)"));
        auto placeholders = [](const QString &s) {
            QStringList found;
            auto it = placeholder.globalMatch(s);
            while (it.hasNext())
                found << it.next().captured(0);
            found.sort();
            found.removeDuplicates();
            return found;
        };
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            if (xml.name() == QLatin1String("name"))
                context = xml.readElementText();
            else if (xml.name() == QLatin1String("source"))
                source = xml.readElementText();
            else if (xml.name() == QLatin1String("translation")) {
                ++messages;
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                const bool numerus =
                    xml.attributes().value(QLatin1String("numerus")).isEmpty() == false;
                QString text;
                if (source.contains(QLatin1String("%n"))) {
                    // numerus forms: read every <numerusform>
                    while (xml.readNextStartElement())
                        text += xml.readElementText();
                } else {
                    text = xml.readElementText();
                }
                Q_UNUSED(numerus);
                if (!type.isEmpty())
                    problems << QStringLiteral("%1: \"%2\" is %3").arg(context, source, type);
                else if (text.trimmed().isEmpty())
                    problems
                        << QStringLiteral("%1: \"%2\" has no translation").arg(context, source);
                else if (placeholders(source) != placeholders(text))
                    problems << QStringLiteral("%1: \"%2\" placeholders differ in \"%3\"")
                                    .arg(context, source, text);
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QVERIFY2(messages > 150, qPrintable(QString::number(messages)));
    }
};

QTEST_GUILESS_MAIN(TestAppCore)
#include "tst_app_core.moc"
