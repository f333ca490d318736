// "Measure this path" in the real window (offscreen) against the real
// server, through an in-process gateway that forgets idle connections:
// progress while it runs, cancel, the result in words with silent/reset,
// the cost table, Apply changing the keep-warm interval of the open
// connection (which then stays up across idle spells longer than the
// gateway's timeout), and adaptive mode measuring by itself.

#include "../support/ciskip.h"
#include "forgetfulgateway.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "pathmeasurementbox.h"
#include "presentation.h"
#include "settingspanel.h"
#include "settingsstore.h"

#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace longline;
using namespace longline::app;
using namespace longline::guitest;
using longline::test::ForgetfulGateway;
using longline::test::quickSearch;
using namespace std::chrono_literals;

class TestPathMeasurement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void measureApplyAndAdapt()
    {
        if (Server::binary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set (run through ctest)");
        Server server;
        QVERIFY(server.start({QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        ForgetfulGateway gateway(server.port(), 1500ms, ForgetfulGateway::Mode::Reset);
        QVERIFY(gateway.listen());

        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        MainWindow w(&store);
        w.show();
        w.sidePanel()->showPage(SidePanel::Page::Settings);
        SettingsPanel *panel = w.findChild<SettingsPanel *>();
        PathMeasurementBox *box = w.findChild<PathMeasurementBox *>();
        QVERIFY(panel && box);
        box->setSearch(quickSearch());
        auto *measure = box->findChild<QPushButton *>(QStringLiteral("measurePath"));
        auto *cancel = box->findChild<QPushButton *>(QStringLiteral("cancelMeasurement"));
        auto *apply = box->findChild<QPushButton *>(QStringLiteral("applyMeasurement"));
        auto *progress = box->findChild<QProgressBar *>(QStringLiteral("measureProgress"));
        QVERIFY(measure && cancel && apply && progress);
        QVERIFY(!measure->isEnabled()); // no server chosen yet

        // Heartbeats every 0.5 s keep the chat's own mapping warm meanwhile.
        LivenessConfig warm = panel->config();
        warm.mode = LivenessMode::Heartbeat;
        warm.heartbeat.interval = 500ms;
        warm.heartbeat.timeout = 1000ms;
        panel->setConfig(warm);
        w.client()->setLivenessSettings(warm.toSettings());
        w.connectTo({QStringLiteral("127.0.0.1"), gateway.port(), QStringLiteral("pat")});
        QTRY_VERIFY_WITH_TIMEOUT(w.client()->state() == ChatClient::State::Online, 5000);
        QVERIFY(measure->isEnabled());

        // Started and cancelled: what was known is kept and said.
        QSignalSpy finished(box->prober(), &IdleTimeoutProber::finished);
        QTest::mouseClick(measure, Qt::LeftButton);
        QVERIFY(box->prober()->isRunning());
        QVERIFY(!measure->isEnabled());
        QTRY_VERIFY(cancel->isVisible() && progress->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(box->progressText().contains(QLatin1String("Round 1")), 2000);
        QTRY_VERIFY_WITH_TIMEOUT(box->prober()->survived() >= 250ms, 3000);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(finished.size(), 1);
        QVERIFY2(box->resultText().startsWith(QLatin1String("Cancelled")),
                 qPrintable(box->resultText()));
        QVERIFY(!progress->isVisible());
        QVERIFY(measure->isEnabled());

        // The whole search: the result in words, silent or reset said.
        QTest::mouseClick(measure, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2, 30000);
        const auto result = finished.last().first().value<IdleTimeoutResult>();
        QCOMPARE(result.outcome, IdleTimeoutResult::Outcome::Measured);
        QVERIFY2(result.survived >= 1275ms && result.survived < 1500ms,
                 qPrintable(result.describe()));
        QCOMPARE(result.behaviour, ForgetBehaviour::Reset);
        QVERIFY2(box->resultText().contains(Presentation::duration(result.survived)) &&
                     box->resultText().contains(QLatin1String("reset")),
                 qPrintable(box->resultText()));
        // What each choice costs, and buys.
        const QString costs = box->costText();
        QVERIFY2(costs.contains(QLatin1String("Your settings now")) &&
                     costs.contains(QLatin1String("Heartbeats every")) &&
                     costs.contains(QLatin1String("Keepalive every")) &&
                     costs.contains(QLatin1String("packets/h")),
                 qPrintable(costs));
        // 0.5 s heartbeats: 7,200 PINGs an hour, three packets each.
        QVERIFY2(costs.contains(QLatin1String("21600")), qPrintable(costs));

        // Apply: heartbeats at 75 % of what survived, on the open connection.
        QVERIFY(apply->isVisible());
        QVERIFY2(apply->text().contains(QLatin1String("heartbeat")), qPrintable(apply->text()));
        QTest::mouseClick(apply, Qt::LeftButton);
        const Millis expected = Millis{result.survived.count() * 3 / 4 / 100 * 100};
        QCOMPARE(panel->config().heartbeat.interval, expected);
        QCOMPARE(panel->config().natTimeoutS, 1);
        QCOMPARE(w.client()->livenessSettings().heartbeat.interval, expected);
        QCOMPARE(store.liveness().heartbeat.interval, expected);
        // Kept warm at the new, longer interval: no death across 4 s of
        // idle chat (2.7 gateway timeouts).
        QSignalSpy lost(w.client(), &ChatClient::connectionLost);
        QTest::qWait(4000);
        QCOMPARE(lost.size(), 0);
        QCOMPARE(w.client()->state(), ChatClient::State::Online);

        // Adaptive: measures this network by itself and remembers it.
        auto *adaptive = box->findChild<QCheckBox *>(QStringLiteral("adaptiveKeepWarm"));
        auto *status = box->findChild<QLabel *>(QStringLiteral("adaptiveStatus"));
        QVERIFY(adaptive && status);
        // The user's own choice before adaptive mode: 0.5 s heartbeats.
        LivenessConfig own = panel->config();
        own.heartbeat.interval = 500ms;
        w.applyLivenessConfig(own);
        adaptive->click();
        QVERIFY(store.adaptiveKeepWarm());
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("just measured")), 30000);
        QSettings paths(store.pathStoreFile(), QSettings::IniFormat);
        bool found = false;
        for (const QString &group : paths.childGroups())
            found = found || paths.value(group + QStringLiteral("/survived_ms")).toInt() >= 1275;
        QVERIFY2(found, qPrintable(store.pathStoreFile()));
        QCOMPARE(w.client()->state(), ChatClient::State::Online);
        // Adaptive values are shown, never saved as the user's own; turning
        // it off brings the user's own back.
        QVERIFY(panel->config().heartbeat.interval >= 900ms); // adaptive's, shown
        QCOMPARE(store.liveness().heartbeat.interval, 500ms); // the user's, saved
        adaptive->click();
        QVERIFY(!store.adaptiveKeepWarm());
        QCOMPARE(panel->config().heartbeat.interval, 500ms);
        QCOMPARE(w.client()->livenessSettings().heartbeat.interval, 500ms);

        // Another server is another path: the old result is not offered.
        QVERIFY(apply->isVisible());
        box->setTarget(IdleTimeoutProber::Target{QStringLiteral("127.0.0.1"), server.port(), {}});
        QVERIFY(box->resultText().isEmpty());
        QVERIFY(!apply->isVisible());
    }
};

QTEST_MAIN(TestPathMeasurement)
#include "tst_pathmeasurement.moc"
