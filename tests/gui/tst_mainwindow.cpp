// The real desktop window against the real server (LONGLINE_SERVER_BIN):
// chat with a second client, liveness settings applied to the open socket,
// a silent cut detected and shown, the reconnect delivering what was typed
// while the link was dead (once), a taken nick not retried, a user's
// disconnect told apart from a failure, and the Chinese translation loaded.

#include "../support/ciskip.h"
#include "chatlogmodel.h"
#include "chatsearch.h"
#include "chatview.h"
#include "connectdialog.h"
#include "connectionbanner.h"
#include "guitestsupport.h"
#include "healthline.h"
#include "mainwindow.h"
#include "memberlistmodel.h"
#include "presentation.h"
#include "settingspanel.h"
#include "settingsstore.h"
#include "socketoptions.h"
#include "statuspanel.h"
#include "tcprelay.h"
#include "timelinemodel.h"
#include "unreadalert.h"
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLibraryInfo>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTranslator>
#include <QWheelEvent>
#include <memory>

using namespace longline;
using namespace longline::app;
using namespace longline::guitest;
using namespace std::chrono_literals;

namespace {
constexpr int ConnectMs = 5000;

// A chat participant without a window: records what it receives.
struct Peer
{
    ChatClient client;
    QStringList texts;
    explicit Peer(const QString &nick, quint16 port)
    {
        QObject::connect(&client, &ChatClient::messageReceived,
                         [this](const protocol::ChatMessage &m, bool) { texts << m.text; });
        client.connectToServer(QStringLiteral("127.0.0.1"), port, nick);
    }
    bool online() const { return client.state() == ChatClient::State::Online; }
};

// The window with its own settings file, never the user's.
struct Window
{
    QTemporaryDir dir;
    std::unique_ptr<SettingsStore> store;
    std::unique_ptr<MainWindow> window;
    Window()
    {
        store = std::make_unique<SettingsStore>(dir.filePath(QStringLiteral("settings.ini")));
        window = std::make_unique<MainWindow>(store.get());
        window->show();
    }
    MainWindow *operator->() const { return window.get(); }
    bool online() const { return window->client()->state() == ChatClient::State::Online; }
};

bool requireServer()
{
    return !Server::binary().isEmpty();
}
} // namespace

#define REQUIRE_SERVER()                                                                           \
    do {                                                                                           \
        if (!requireServer())                                                                      \
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set: run through ctest");          \
    } while (false)

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void connectSendAndReceive()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        Peer bob(QStringLiteral("bob"), server.port());
        QTRY_VERIFY_WITH_TIMEOUT(bob.online(), ConnectMs);

        // Who is online, and the join shown in the conversation.
        QTRY_COMPARE_WITH_TIMEOUT(w->memberModel()->rowCount(), 2, ConnectMs);
        QVERIFY(w->memberModel()->shownNicks().contains(QStringLiteral("bob")));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int i = 0; i < w->chatModel()->rowCount(); ++i) {
                    if (w->chatModel()->entry(i).text == QStringLiteral("bob joined"))
                        return true;
                }
                return false;
            }(),
            ConnectMs);

        // Typed into the input line, Enter sends.
        QTest::keyClicks(w->input(), QStringLiteral("hello from the window"));
        QTest::keyClick(w->input(), Qt::Key_Return);
        QVERIFY(w->input()->text().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(bob.texts.contains(QStringLiteral("hello from the window")),
                                 ConnectMs);
        const int own =
            w->chatModel()->rowForCid(w->chatModel()->entry(w->chatModel()->rowCount() - 1).cid);
        QVERIFY(own >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(w->chatModel()->entry(own).delivery, ChatEntry::Delivery::Sent,
                                  ConnectMs);
        QCOMPARE(w->chatModel()->countMessagesWithText(QStringLiteral("hello from the window")), 1);

        bob.client.send(QStringLiteral("hi alice, 你好"));
        QTRY_COMPARE_WITH_TIMEOUT(
            w->chatModel()->countMessagesWithText(QStringLiteral("hi alice, 你好")), 1, ConnectMs);
        const ChatEntry &fromBob = w->chatModel()->entry(w->chatModel()->rowCount() - 1);
        QCOMPARE(fromBob.nick, QStringLiteral("bob"));
        QCOMPARE(fromBob.delivery, ChatEntry::Delivery::NotOwn);

        // Leaving shows as a notice.
        bob.client.disconnectFromServer(QStringLiteral("lunch"));
        QTRY_COMPARE_WITH_TIMEOUT(w->memberModel()->rowCount(), 1, ConnectMs);
    }

    // Scroll-back: the window opens with the last 50 messages; scrolling to
    // the top brings the 50 before them, in order, without moving what the
    // user reads, until the start of the history says so.
    void scrollingUpLoadsOlderMessages()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start({QStringLiteral("--rate"), QStringLiteral("0")}));
        constexpr int Stored = 120;
        {
            QTcpSocket seeder;
            seeder.connectToHost(QStringLiteral("127.0.0.1"), server.port());
            QVERIFY(seeder.waitForConnected(ConnectMs));
            QByteArray lines = "HELLO seeder\n";
            for (int i = 1; i <= Stored; ++i)
                lines += "SAYID s" + QByteArray::number(i) + " old message " +
                         QByteArray::number(i) + '\n';
            seeder.write(lines);
            QByteArray got;
            while (!got.contains("ACK s" + QByteArray::number(Stored) + ' ') &&
                   seeder.waitForReadyRead(ConnectMs))
                got += seeder.readAll();
            QVERIFY2(got.contains("ACK s120 120"), got.right(200).constData());
        }
        Window w;
        w->resize(900, 600);
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        ChatLogModel *chat = w->chatModel();
        QTRY_COMPARE_WITH_TIMEOUT(chat->oldestSeq(), Stored - 50 + 1, ConnectMs);
        auto *view = w->findChild<ChatView *>(QStringLiteral("chatView"));
        QVERIFY(view);
        auto messageSeqs = [chat] {
            QList<qint64> seqs;
            for (int i = 0; i < chat->rowCount(); ++i)
                if (chat->entry(i).kind == ChatEntry::Kind::Message)
                    seqs.append(chat->entry(i).seq);
            return seqs;
        };
        auto contiguous = [](const QList<qint64> &seqs, qint64 from, qint64 to) {
            QList<qint64> want;
            for (qint64 s = from; s <= to; ++s)
                want.append(s);
            return seqs == want;
        };
        QVERIFY(contiguous(messageSeqs(), 71, Stored));

        // To the top: the page before comes, and the row read stays on top.
        QTRY_VERIFY_WITH_TIMEOUT(view->verticalScrollBar()->maximum() > 0, ConnectMs);
        view->verticalScrollBar()->setValue(0);
        const int readAt = view->visualRect(chat->index(chat->rowForSeq(71))).top();
        QVERIFY(readAt >= 0 && readAt < view->viewport()->height());
        QTRY_COMPARE_WITH_TIMEOUT(chat->oldestSeq(), 21, ConnectMs);
        QVERIFY(contiguous(messageSeqs(), 21, Stored));
        QTRY_COMPARE_WITH_TIMEOUT(view->visualRect(chat->index(chat->rowForSeq(71))).top(), readAt,
                                  ConnectMs);
        QVERIFY(!view->isFollowing());
        QCOMPARE(view->unreadBelow(), 0); // older rows are not news
        QVERIFY(!chat->startOfHistoryShown());

        // Again: the last 20, and the start of the history is shown.
        view->verticalScrollBar()->setValue(0);
        QTRY_COMPARE_WITH_TIMEOUT(chat->oldestSeq(), 1, ConnectMs);
        QVERIFY(contiguous(messageSeqs(), 1, Stored));
        QTRY_VERIFY_WITH_TIMEOUT(chat->startOfHistoryShown(), ConnectMs);
        QCOMPARE(chat->entry(0).kind, ChatEntry::Kind::Notice);
    }

    void settingsPanelAppliesToTheOpenSocket()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("carol")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        QTcpSocket *socket = w->client()->socket();
        const qintptr fd = socket->socketDescriptor();
        QVERIFY(fd >= 0);

        SettingsPanel *panel = w->settingsPanel();
        auto *keepalive = panel->findChild<QRadioButton *>(QStringLiteral("mode_keepalive"));
        auto *none = panel->findChild<QRadioButton *>(QStringLiteral("mode_none"));
        auto *idle = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveIdle"));
        auto *interval = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveInterval"));
        auto *count = panel->findChild<QSpinBox *>(QStringLiteral("keepaliveCount"));
        auto *userTimeout = panel->findChild<QSpinBox *>(QStringLiteral("userTimeout"));
        auto *nat = panel->findChild<QSpinBox *>(QStringLiteral("natTimeout"));
        QVERIFY(keepalive && none && idle && interval && count && userTimeout && nat);

        keepalive->click();
        idle->setValue(7);
        interval->setValue(3);
        count->setValue(4);
        userTimeout->setValue(2500);
        // Applied at once, on the same connection (no reconnect).
        QCOMPARE(socket->socketDescriptor(), fd);
        const EffectiveSocketOptions eff = readSocketOptions(fd);
        QVERIFY(eff.valid);
        QVERIFY(eff.keepaliveOn);
        QCOMPARE(eff.idleS, 7);
        QCOMPARE(eff.intervalS, 3);
        QCOMPARE(eff.count, 4);
        QCOMPARE(eff.userTimeoutMs, 2500);
        QVERIFY2(panel->effectiveText().contains(QLatin1String("7,3,4")),
                 qPrintable(panel->effectiveText()));
        QVERIFY(!w->client()->liveness()->settings().heartbeat.enabled);
        QCOMPARE(w.online(), true);

        // The budget the panel shows follows: with a user timeout the kernel
        // rule applies.
        KeepaliveOptions ka;
        ka.idleS = 7;
        ka.intervalS = 3;
        ka.count = 4;
        QVERIFY2(panel->budgetText().contains(Presentation::duration(ka.detectionBudget(2500ms))),
                 qPrintable(panel->budgetText()));
        nat->setValue(5); // shorter than the 7 s idle
        QVERIFY2(panel->warningText().contains(QLatin1String("NAT")),
                 qPrintable(panel->warningText()));

        none->click();
        QVERIFY(!readSocketOptions(fd).keepaliveOn);
        QVERIFY(panel->budgetText().contains(QLatin1String("never")));

        // Persisted: a new store on the same file reads the same choice.
        SettingsStore again(w.dir.filePath(QStringLiteral("settings.ini")));
        w.store->sync();
        const LivenessConfig saved = again.liveness();
        QCOMPARE(saved.mode, LivenessMode::None);
        QCOMPARE(saved.keepalive.idleS, 7);
        QCOMPARE(saved.userTimeout, Millis(2500));
        QCOMPARE(saved.natTimeoutS, 5);
    }

    void silentCutIsDetectedAndTheReconnectDeliversOnce()
    {
        REQUIRE_SERVER();
        Server server;
        // The client pings every 0.5 s; the server allows it.
        QVERIFY(server.start({QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        TcpRelay relay;
        QVERIFY(relay.start(QHostAddress::LocalHost, server.port()));
        Window w;
        LivenessConfig config = defaultLivenessConfig();
        config.mode = LivenessMode::Heartbeat;
        config.heartbeat.interval = 500ms;
        config.heartbeat.timeout = 500ms;
        w->applyLivenessConfig(config);
        w->connectTo({QStringLiteral("127.0.0.1"), relay.port(), QStringLiteral("dana")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        Peer bob(QStringLiteral("bob"), server.port());
        QTRY_VERIFY_WITH_TIMEOUT(bob.online(), ConnectMs);
        // The path works: round trips are measured and plotted.
        QTRY_VERIFY_WITH_TIMEOUT(w->client()->liveness()->rtt().count >= 1, ConnectMs);
        QVERIFY(w->timeline()->count(TimelineEvent::Type::Ping) >= 1);

        QSignalSpy lost(w->client(), &ChatClient::connectionLost);
        QElapsedTimer sinceCut;
        relay.setCut(true);
        sinceCut.start();
        // Budget 1 s from the last byte; allow poll granularity and a loaded machine.
        QTRY_VERIFY_WITH_TIMEOUT(w->banner()->isVisible() &&
                                     w->banner()->severity() == ConnectionBanner::Severity::Error,
                                 3000);
        QVERIFY2(sinceCut.elapsed() <= 1000 + 1000,
                 qPrintable(QString::number(sinceCut.elapsed())));
        QCOMPARE(lost.size(), 1);
        const auto verdict = lost.first().first().value<DeathVerdict>();
        QCOMPARE(verdict.cause, DeathCause::HeartbeatTimeout);
        QCOMPARE(*verdict.budget, Millis(1000));
        QVERIFY2(verdict.withinBudget(500ms), qPrintable(verdict.describe()));
        // The banner says what died, why and against which budget.
        const QString banner = w->banner()->text();
        QVERIFY2(banner.contains(Presentation::cause(DeathCause::HeartbeatTimeout)),
                 qPrintable(banner));
        QVERIFY2(banner.contains(Presentation::duration(1000ms)), qPrintable(banner));
        QVERIFY2(banner.contains(QLatin1String("127.0.0.1")), qPrintable(banner));
        // ... and when it retries.
        QTRY_VERIFY_WITH_TIMEOUT(w->banner()->detail().contains(QLatin1String("Retrying in")),
                                 2000);
        QCOMPARE(w->timeline()->count(TimelineEvent::Type::Dead), 1);
        QCOMPARE(w->statusPanel()->valueText(QStringLiteral("state")),
                 Presentation::state(ChatClient::State::WaitingToReconnect));

        // Typed while dead: kept, marked unsent.
        w->sendText(QStringLiteral("typed while the link was dead"));
        QCOMPARE(w->chatModel()->unsentCount(), 1);
        bob.client.send(QStringLiteral("said while dana was away"));
        QTRY_VERIFY_WITH_TIMEOUT(bob.texts.contains(QStringLiteral("said while dana was away")),
                                 ConnectMs);

        relay.setCut(false);
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), 15000);
        const qint64 cutFor = sinceCut.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(w->chatModel()->unsentCount(), 0, ConnectMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            bob.texts.contains(QStringLiteral("typed while the link was dead")), ConnectMs);
        // Missed message fetched from history; everything exactly once.
        QTRY_COMPARE_WITH_TIMEOUT(
            w->chatModel()->countMessagesWithText(QStringLiteral("said while dana was away")), 1,
            ConnectMs);
        QCOMPARE(
            w->chatModel()->countMessagesWithText(QStringLiteral("typed while the link was dead")),
            1);
        QCOMPARE(bob.texts.count(QStringLiteral("typed while the link was dead")), 1);
        QCOMPARE(w->banner()->severity(), ConnectionBanner::Severity::Success);
        QCOMPARE(lost.size(), 1);
        // Offline from the last sign of life (at most one 0.5 s heartbeat
        // before the cut) to the reconnect, not from the detection.
        static const QRegularExpression offline(
            QStringLiteral("after ([0-9.]+)\\x{00a0}s offline"));
        const auto match = offline.match(w->banner()->text());
        QVERIFY2(match.hasMatch(), qPrintable(w->banner()->text()));
        const double offlineS = match.captured(1).toDouble();
        QVERIFY2(offlineS * 1000 >= cutFor - 100 && offlineS * 1000 <= cutFor + 1000,
                 qPrintable(QStringLiteral("%1 vs %2 ms").arg(w->banner()->text()).arg(cutFor)));
    }

    // The NAT lab's story in the window: after a silence longer than the
    // gateway's idle timeout (Settings), a message gets no answer; the
    // window says the gateway most likely forgot the connection, first
    // while the message waits, then next to the verdict.
    void natDropIsExplainedInWords()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start({QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        TcpRelay relay; // its cut stands for the gateway forgetting the mapping
        QVERIFY(relay.start(QHostAddress::LocalHost, server.port()));
        Window w;
        LivenessConfig config = defaultLivenessConfig();
        config.mode = LivenessMode::Heartbeat;
        config.heartbeat.interval = 3s; // longer than the gateway's 1 s
        config.heartbeat.timeout = 2s;
        config.natTimeoutS = 1;
        w->applyLivenessConfig(config);
        w->connectTo({QStringLiteral("127.0.0.1"), relay.port(), QStringLiteral("erin")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        // Idle past the gateway's timeout, then the mapping is gone.
        QTRY_VERIFY_WITH_TIMEOUT(w->client()->liveness()->silence() >= 1200ms, ConnectMs);
        relay.setCut(true);
        QSignalSpy lost(w->client(), &ChatClient::connectionLost);
        w->sendText(QStringLiteral("anyone there?"));
        QTRY_VERIFY_WITH_TIMEOUT(w->banner()->isVisible() &&
                                     w->banner()->severity() == ConnectionBanner::Severity::Warning,
                                 4000);
        QVERIFY2(w->banner()->detail().contains(QLatin1String("forgot this connection")),
                 qPrintable(w->banner()->detail()));
        QVERIFY2(w->banner()->detail().contains(Presentation::duration(1000ms)),
                 qPrintable(w->banner()->detail()));
        // Then the heartbeat declares it dead; the verdict keeps the words.
        QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, 5000);
        QCOMPARE(lost.first().first().value<DeathVerdict>().cause, DeathCause::HeartbeatTimeout);
        QCOMPARE(w->banner()->severity(), ConnectionBanner::Severity::Error);
        QVERIFY2(w->banner()->detail().contains(QLatin1String("forgot this connection")),
                 qPrintable(w->banner()->detail()));

        // Keep-warm shorter than the gateway's timeout: no such words.
        relay.setCut(false);
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), 15000);
        config.heartbeat.interval = 500ms;
        config.heartbeat.timeout = 500ms;
        w->applyLivenessConfig(config);
        relay.setCut(true);
        QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 2, 5000);
        QVERIFY2(!w->banner()->detail().contains(QLatin1String("forgot this connection")),
                 qPrintable(w->banner()->detail()));
    }

    // The input line: Up brings back what was sent, Down the draft, Tab
    // completes a nick and keeps the focus. A wheel over a number box in
    // Settings changes nothing until the box has the focus.
    void inputLineHistoryCompletionAndWheel()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start({}));
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("erin")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        Peer bob(QStringLiteral("bob"), server.port());
        QTRY_VERIFY_WITH_TIMEOUT(w->client()->online().contains(QStringLiteral("bob")), ConnectMs);
        auto *input = w->findChild<QLineEdit *>(QStringLiteral("messageInput"));
        QVERIFY(input);
        w->activateWindow();
        input->setFocus();
        QTest::keyClicks(input, QStringLiteral("first line"));
        QTest::keyClick(input, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(bob.texts.contains(QStringLiteral("first line")), ConnectMs);
        QTest::keyClicks(input, QStringLiteral("half typed"));
        QTest::keyClick(input, Qt::Key_Up);
        QCOMPARE(input->text(), QStringLiteral("first line"));
        QTest::keyClick(input, Qt::Key_Down);
        QCOMPARE(input->text(), QStringLiteral("half typed"));
        input->clear();
        QTest::keyClicks(input, QStringLiteral("bo"));
        QTest::keyClick(input, Qt::Key_Tab);
        QCOMPARE(input->text(), QStringLiteral("bob: "));
        QCOMPARE(QApplication::focusWidget(), input);

        auto *idle = w->findChild<QSpinBox *>(QStringLiteral("keepaliveIdle"));
        QVERIFY(idle);
        const int before = idle->value();
        auto wheel = [idle] {
            const QPointF at(idle->width() / 2.0, idle->height() / 2.0);
            QWheelEvent e(at, idle->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(idle, &e);
        };
        wheel();
        QCOMPARE(idle->value(), before);
        idle->setFocus();
        QTRY_VERIFY(idle->hasFocus());
        wheel();
        QVERIFY(idle->value() != before);
    }

    void takenNickIsNotRetried()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Peer erin(QStringLiteral("erin"), server.port());
        QTRY_VERIFY_WITH_TIMEOUT(erin.online(), ConnectMs);
        Window w;
        QSignalSpy retries(w->client(), &ChatClient::reconnectScheduled);
        QSignalSpy errors(w->client(), &ChatClient::serverError);
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("erin")});
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, ConnectMs);
        QVERIFY(errors.first().at(3).toBool()); // fatal
        QCOMPARE(w->client()->state(), ChatClient::State::Disconnected);
        QVERIFY(w->banner()->isVisible());
        QVERIFY2(w->banner()->title().contains(QLatin1String("taken")),
                 qPrintable(w->banner()->text()));
        QVERIFY2(w->banner()->detail().contains(QLatin1String("Not retrying")),
                 qPrintable(w->banner()->text()));
        // The shortest backoff is 0.8 s; nothing may be scheduled past it.
        QTest::qWait(1500);
        QCOMPARE(retries.size(), 0);
        QCOMPARE(w->client()->state(), ChatClient::State::Disconnected);
    }

    void userDisconnectIsNotAFailure()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("frank")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        QSignalSpy lost(w->client(), &ChatClient::connectionLost);
        QSignalSpy retries(w->client(), &ChatClient::reconnectScheduled);
        w.window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
        QTest::keyClick(w.window.get(), Qt::Key_D, Qt::ControlModifier); // Ctrl+D
        QTRY_COMPARE_WITH_TIMEOUT(w->client()->state(), ChatClient::State::Disconnected, ConnectMs);
        QCOMPARE(lost.size(), 0);
        QCOMPARE(retries.size(), 0);
        QCOMPARE(w->banner()->severity(), ConnectionBanner::Severity::Info);
        QCOMPARE(w->timeline()->count(TimelineEvent::Type::Closed), 1);
        QCOMPARE(w->timeline()->count(TimelineEvent::Type::Dead), 0);
        QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QLatin1String("nick=frank")), ConnectMs);
    }

    void healthLineFollowsTheConnection()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Window w;
        HealthLine *health = w->healthLine();
        QVERIFY(health->isVisible());
        QVERIFY2(health->text().contains(Presentation::state(ChatClient::State::Disconnected)),
                 qPrintable(health->text()));
        LivenessConfig config = defaultLivenessConfig();
        config.mode = LivenessMode::Heartbeat;
        config.heartbeat.interval = 500ms;
        config.heartbeat.timeout = 1000ms;
        w->applyLivenessConfig(config);
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("hana")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        // State, round trip, silence, next ping and the budget in force,
        // from the client's own signals.
        const QString budget =
            Presentation::duration(*w->client()->effectiveSettings().detectionBudget());
        QTRY_VERIFY2_WITH_TIMEOUT(health->text().contains(QLatin1String("RTT")) &&
                                      health->text().contains(QLatin1String("silent")) &&
                                      health->text().contains(QLatin1String("ping in")) &&
                                      health->text().contains(budget),
                                  qPrintable(health->text()), ConnectMs);
        QVERIFY(health->text().startsWith(Presentation::state(ChatClient::State::Online)));
        // A narrow window keeps the state and the budget; the rest is one
        // hover away.
        w->sidePanel()->hide();
        w->setLargeFont(true);
        w->resize(w->minimumSizeHint().width(), w->height());
        QTRY_VERIFY2(!health->text().contains(QLatin1String("ping in")),
                     qPrintable(health->text()));
        QVERIFY(health->text().startsWith(Presentation::state(ChatClient::State::Online)));
        QVERIFY(health->toolTip().contains(QLatin1String("ping in")));
        QVERIFY(health->width() <= w->width());
        w->setLargeFont(false);
    }

    void messageWhileElsewhereAlerts()
    {
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start());
        Window w;
        QStringList alerts;
        w->unreadAlert()->setAlert(
            [&alerts](const QString &nick, const QString &text) { alerts << nick + ": " + text; });
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("ida")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        Peer bob(QStringLiteral("bob"), server.port());
        QTRY_VERIFY_WITH_TIMEOUT(bob.online(), ConnectMs);

        // The user is in another window.
        QWidget elsewhere;
        elsewhere.show();
        elsewhere.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&elsewhere));
        QVERIFY(!w->isActiveWindow());
        bob.client.send(QStringLiteral("lunch?"));
        bob.client.send(QStringLiteral("now?"));
        QTRY_COMPARE_WITH_TIMEOUT(alerts.size(), 2, ConnectMs);
        QCOMPARE(alerts.first(), QStringLiteral("bob: lunch?"));
        QVERIFY2(w->windowTitle().startsWith(QLatin1String("(2) ")), qPrintable(w->windowTitle()));

        // Back in the window: the count goes; the user's own lines never alert.
        w->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
        QTRY_VERIFY2(!w->windowTitle().startsWith(QLatin1Char('(')), qPrintable(w->windowTitle()));
        w->sendText(QStringLiteral("coming"));
        bob.client.send(QStringLiteral("seen you"));
        QTRY_COMPARE_WITH_TIMEOUT(w->chatModel()->countMessagesWithText(QStringLiteral("seen you")),
                                  1, ConnectMs);
        QCOMPARE(alerts.size(), 2);
    }

    void helpExplainsTheWindow()
    {
        Window w;
        QAction *help = nullptr;
        for (QAction *a : w->actions()) {
            if (a->shortcut() == QKeySequence(QKeySequence::HelpContents))
                help = a;
        }
        QVERIFY(help);
        help->trigger();
        HelpDialog *guide = nullptr;
        QTRY_VERIFY((guide = w->findChild<HelpDialog *>()) && guide->isVisible());
        QVERIFY2(guide->text().contains(QLatin1String("Ctrl+K")), qPrintable(guide->text()));
        QVERIFY(!guide->isModal()); // readable beside the chat
        for (auto page : {HelpDialog::Page::Shortcuts, HelpDialog::Page::Settings})
            QVERIFY(HelpDialog::html(page).size() > 200);
        QVERIFY(
            HelpDialog::html(HelpDialog::Page::Settings).contains(QLatin1String("Ping interval")));
    }

    void connectDialogOffersSavedServers()
    {
        ConnectDialog dialog(ConnectionProfile{});
        auto *saved = dialog.findChild<QComboBox *>(QStringLiteral("savedServers"));
        QVERIFY(saved);
        dialog.show();
        QVERIFY(!saved->isVisible()); // nothing saved yet
        ConnectionProfile tls(QStringLiteral("secure.example"), 7000, QStringLiteral("kim"));
        tls.tls = true;
        tls.pinnedSha256 = QStringLiteral("AB:CD");
        dialog.setSavedServers({{QStringLiteral("127.0.0.1"), 4242, QStringLiteral("lee")}, tls});
        QVERIFY(saved->isVisible());
        QCOMPARE(saved->count(), 2);
        saved->setCurrentIndex(1);
        Q_EMIT saved->activated(1);
        const ConnectionProfile chosen = dialog.profile();
        QCOMPARE(chosen.host, QStringLiteral("secure.example"));
        QCOMPARE(chosen.port, quint16(7000));
        QCOMPARE(chosen.nick, QStringLiteral("kim"));
        QVERIFY(chosen.tls);
        QCOMPARE(chosen.pinnedSha256, QStringLiteral("AB:CD"));
    }

    void serverPingsFirstIsNotWaitingForever()
    {
        // The server pings after 0.3 s of silence, long before the window's
        // own 5 s: the window never has to ping and says why there is no
        // round trip of its own, and the health line takes the kernel's.
        REQUIRE_SERVER();
        Server server;
        QVERIFY(server.start({QStringLiteral("--heartbeat"), QStringLiteral("0.3,5")}));
        Window w;
        LivenessConfig config = defaultLivenessConfig();
        config.mode = LivenessMode::Heartbeat;
        config.heartbeat.interval = 5000ms;
        config.heartbeat.timeout = 5000ms;
        w->applyLivenessConfig(config);
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("omar")});
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        w->sidePanel()->showPage(SidePanel::Page::Connection);
        // Several server pings later, still no PING of ours.
        QTRY_VERIFY(w->client()->liveness()->uptime() >= 1500ms);
        QCOMPARE(w->client()->liveness()->rtt().count, 0);
        w->statusPanel()->refreshLive();
        const QString rtt = w->statusPanel()->valueText(QStringLiteral("rttLast"));
        QVERIFY2(rtt.contains(QLatin1String("a ping goes out after")), qPrintable(rtt));
        QVERIFY(!rtt.contains(QLatin1String("waiting")));
        QTRY_VERIFY2(w->healthLine()->text().contains(QLatin1String("(kernel)")),
                     qPrintable(w->healthLine()->text()));
    }

    void qtsOwnMessagesAreTranslated()
    {
        // What main() loads beside our own translation (install-deps.sh
        // installs qt6-translations-l10n): a refused connection reads in
        // Chinese in the banner, not "Connection refused".
        QTranslator qt;
        if (!qt.load(QLocale(QStringLiteral("zh_CN")), QStringLiteral("qtbase"),
                     QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            LONGLINE_SKIP_UNLESS_CI("qtbase_zh_CN.qm missing: apt-get install "
                                    "qt6-translations-l10n");
        QApplication::installTranslator(&qt);
        QTcpServer closed; // a port that was free a moment ago refuses
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        QTcpSocket socket;
        QSignalSpy failed(&socket, &QAbstractSocket::errorOccurred);
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(failed.wait(ConnectMs));
        const QString error = socket.errorString();
        QApplication::removeTranslator(&qt);
        QVERIFY2(!error.contains(QLatin1String("refused")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("拒绝")), qPrintable(error));
    }

    void keyboardShortcutsOpenDialogAndPanel()
    {
        Window w;
        QVERIFY(!w->sidePanel()->isShowing(SidePanel::Page::Settings));
        w.window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
        // A draft in the input line survives opening and closing Settings,
        // and the keyboard is back in the input line afterwards.
        w->input()->setFocus();
        QTest::keyClicks(w->input(), QStringLiteral("half a thought"));
        QTest::keyClick(w->input(), Qt::Key_Comma, Qt::ControlModifier); // Ctrl+,
        QTRY_VERIFY(w->sidePanel()->isShowing(SidePanel::Page::Settings));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Comma, Qt::ControlModifier);
        QTRY_VERIFY(w->sidePanel()->isHidden());
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(w->input()));
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral(", continued"));
        QCOMPARE(w->input()->text(), QStringLiteral("half a thought, continued"));
        // Ctrl+F finds in the conversation; Escape gives the input line back.
        QTest::keyClick(w->input(), Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(w->search()->isVisible());
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(w->search()->field()));
        QTest::keyClick(w->search()->field(), Qt::Key_Escape);
        QTRY_VERIFY(w->search()->isHidden());
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(w->input()));
        QCOMPARE(w->input()->text(), QStringLiteral("half a thought, continued"));
        // Ctrl+I opens the connection page, Ctrl+M turns to the members.
        QTest::keyClick(w->input(), Qt::Key_I, Qt::ControlModifier);
        QTRY_VERIFY(w->sidePanel()->isShowing(SidePanel::Page::Connection));
        QTest::keyClick(w->input(), Qt::Key_M, Qt::ControlModifier);
        QTRY_VERIFY(w->sidePanel()->isShowing(SidePanel::Page::Members));
        bool dialogSeen = false;
        QTimer::singleShot(200, [&dialogSeen] {
            if (auto *d = qobject_cast<QDialog *>(QApplication::activeModalWidget())) {
                dialogSeen = true;
                d->reject();
            }
        });
        // From the input line, which would otherwise take Ctrl+K as "delete
        // to the end of the line".
        w->input()->setText(QStringLiteral("draft"));
        w->input()->setCursorPosition(0);
        w->input()->setFocus();
        QTest::keyClick(w->input(), Qt::Key_K, Qt::ControlModifier); // Ctrl+K
        QTRY_VERIFY(dialogSeen);
        QCOMPARE(w->input()->text(), QStringLiteral("draft"));
    }

    void untrustedCertificateIsExplained()
    {
        Window w;
        QSignalSpy retries(w->client(), &ChatClient::reconnectScheduled);
        Q_EMIT w->client()->tlsVerificationFailed(
            {QStringLiteral("The certificate is self-signed, and untrusted")},
            QStringLiteral("AB:CD:EF"), QStringLiteral("longline.test"));
        QVERIFY(w->banner()->isVisible());
        QCOMPARE(w->banner()->severity(), ConnectionBanner::Severity::Error);
        QVERIFY2(w->banner()->title().contains(QLatin1String("not trusted")),
                 qPrintable(w->banner()->text()));
        QVERIFY(w->banner()->detail().contains(QLatin1String("AB:CD:EF")));
        QVERIFY(w->banner()->detail().contains(QLatin1String("self-signed")));
        QPushButton *trust = nullptr;
        for (auto *b : w->banner()->findChildren<QPushButton *>()) {
            if (b->text().contains(QLatin1String("Trust")))
                trust = b;
        }
        QVERIFY(trust && trust->isVisible());
        QCOMPARE(retries.size(), 0);
    }

    void largerTextForProjectors()
    {
        const qreal base = QApplication::font().pointSizeF();
        {
            Window w;
            QAction *large = nullptr;
            for (QAction *a : w->actions()) {
                if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L))
                    large = a;
            }
            QVERIFY(large && large->isCheckable());
            large->trigger();
            QCOMPARE(QApplication::font().pointSizeF(), base * 1.5);
            QTRY_COMPARE(w->input()->font().pointSizeF(), base * 1.5);
            QVERIFY(w.store->largeFont());
            large->trigger();
            QCOMPARE(QApplication::font().pointSizeF(), base);
            QVERIFY(!w.store->largeFont());
        }
        QCOMPARE(QApplication::font().pointSizeF(), base);
    }

    void chineseTranslationIsUsed()
    {
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(":/i18n/longline_zh_CN.qm")));
        QApplication::installTranslator(&translator);
        {
            Window w;
            const QString menus = [&] {
                QStringList titles;
                for (QAction *a : w->menuBar()->actions())
                    titles << a->text();
                return titles.join(QLatin1Char(' '));
            }();
            QVERIFY2(menus.contains(QStringLiteral("连接")), qPrintable(menus));
            QCOMPARE(Presentation::cause(DeathCause::HeartbeatTimeout), QStringLiteral("心跳超时"));
            QVERIFY(HelpDialog::html(HelpDialog::Page::Guide).contains(QStringLiteral("断开")));
            // Text the shared library makes reads in Chinese too (the
            // settings' "in effect" line, the event log, the path table).
            QCOMPARE(formatMillis(7860s), QStringLiteral("2 小时 11 分"));
            QCOMPARE(formatMillis(121ms), QStringLiteral("121 毫秒"));
            EffectiveSocketOptions options;
            options.valid = true;
            options.userTimeoutMs = 30000;
            QCOMPARE(options.describe(), QStringLiteral("保活关闭，用户超时 30000 毫秒"));
            QCOMPARE(Presentation::duration(7860s), QStringLiteral("2\u00a0小时 11\u00a0分"));
        }
        QApplication::removeTranslator(&translator);
        // Without the translator the shared library's English is unchanged.
        QCOMPARE(formatMillis(7860s), QStringLiteral("2 h 11 min"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
