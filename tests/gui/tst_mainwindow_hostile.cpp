// The real desktop window against a scripted hostile server (issue 8): a
// JOIN flood must not freeze it or stop it answering PING, and a flood of
// long messages must not grow the conversation's memory past its budget.

#include "../cli/clitestsupport.h"
#include "chatlogmodel.h"
#include "mainwindow.h"
#include "memberlistmodel.h"
#include "settingsstore.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace longline;
using namespace longline::app;
using namespace longline::testing;

namespace {
constexpr int ConnectMs = 5000;

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
} // namespace

class TestMainWindowHostile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void joinFloodKeepsAnsweringPing()
    {
        FakeServer server;
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QVERIFY(!server.welcome().isNull());
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        server.sendLine(QStringLiteral("ONLINE alice"));
        constexpr int Joins = 80000;
        QByteArray flood;
        for (int i = 0; i < Joins; ++i)
            flood += "JOIN 2026-11-23T21:50:00.000Z user" + QByteArray::number(i) + '\n';
        QElapsedTimer clock;
        clock.start();
        server.send(flood + "PING after-joins\n");
        QCOMPARE(server.waitForLine(QStringLiteral("PONG"), 20000),
                 QStringLiteral("PONG after-joins"));
        qInfo("80,000 JOINs and a PING answered by the window in %lld ms", clock.elapsed());
        QVERIFY2(clock.elapsed() < 3000 * BudgetScale,
                 qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
        // The member list catches up within its refresh interval.
        QTRY_COMPARE_WITH_TIMEOUT(w->memberModel()->rowCount(), Joins + 1, ConnectMs);
        QCOMPARE(w->memberModel()->shownNicks().first(), QStringLiteral("alice"));
        QVERIFY(w->chatModel()->rowCount() <= ChatLogModel::MaxEntries);
    }

    // A server that floods past a client bound is named in the conversation
    // and connected to again.
    void protocolViolationIsShownAndReconnected()
    {
        FakeServer server;
        Window w;
        w->client()->setInitialHistory(10);
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QVERIFY(!server.welcome(100).isNull());
        QVERIFY(!server.waitForLine(QStringLiteral("HISTORY 90")).isNull());
        QByteArray flood;
        for (int i = 0; i <= ChatClient::MaxHeldLiveMessages; ++i)
            flood += "MSG " + QByteArray::number(101 + i) + " 2026-11-23T21:50:00.000Z bob x\n";
        server.send(flood);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int i = 0; i < w->chatModel()->rowCount(); ++i) {
                    if (w->chatModel()->entry(i).text.startsWith(
                            QStringLiteral("Disconnected: the server sent more than")))
                        return true;
                }
                return false;
            }(),
            ConnectMs);
        QVERIFY(server.waitForAccepted(2, 3000));
    }

    void longMessageFloodStaysInTheTextBudget()
    {
        FakeServer server;
        Window w;
        w->connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QVERIFY(!server.welcome().isNull());
        QTRY_VERIFY_WITH_TIMEOUT(w.online(), ConnectMs);
        // 6,000 messages of 4 KB (the server's default line limit): more
        // rows than kept, and more text than the budget.
        const QByteArray text(4000, 'x');
        qsizetype maxBytes = 0;
        for (int batch = 0; batch < 60; ++batch) {
            QByteArray chunk;
            for (int i = 0; i < 100; ++i)
                chunk += "MSG " + QByteArray::number(batch * 100 + i + 1) +
                         " 2026-11-23T21:50:00.000Z bob " + QByteArray::number(batch * 100 + i) +
                         text + '\n';
            server.send(chunk);
            QTest::qWait(20);
            maxBytes = std::max(maxBytes, w->chatModel()->textBytes());
        }
        QElapsedTimer clock;
        clock.start();
        server.send("PING done\n");
        QVERIFY(!server.waitForLine(QStringLiteral("PONG done"), 10000).isNull());
        qInfo("PING after the flood answered in %lld ms", clock.elapsed());
        QVERIFY2(clock.elapsed() < 3000 * BudgetScale,
                 qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
        maxBytes = std::max(maxBytes, w->chatModel()->textBytes());
        qInfo("conversation text held at most: %lld bytes", static_cast<long long>(maxBytes));
        QVERIFY(maxBytes <= ChatLogModel::MaxTextBytes);
        QVERIFY(w->chatModel()->rowCount() > 0);
        QVERIFY(w->chatModel()->rowCount() <= ChatLogModel::MaxEntries);
        // The newest message is kept (cut for display), the oldest went.
        const int newest = w->chatModel()->rowForSeq(6000);
        QVERIFY(newest >= 0);
        QCOMPARE(w->chatModel()->entry(newest).text.left(4), QStringLiteral("5999"));
        QVERIFY(w->chatModel()->entry(newest).text.size() < ChatLogModel::MaxTextChars + 40);
        QCOMPARE(w->chatModel()->rowForSeq(1), -1);
    }
};

QTEST_MAIN(TestMainWindowHostile)
#include "tst_mainwindow_hostile.moc"
