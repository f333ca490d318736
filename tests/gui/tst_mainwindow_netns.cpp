// The window's verdict on a TCP user timeout, in a private network namespace
// where nftables silently drops the server's packets (issue 10: a user
// timeout that fired about 10 s after the send was reported as "noticed
// after 50.9 s, exceeded", counted from the last byte received). The figures
// must count from the moment the message was sent.

#include "../support/ciskip.h"
#include "chatlogmodel.h"
#include "connectionbanner.h"
#include "guitestsupport.h"
#include "livenessconfig.h"
#include "mainwindow.h"
#include "presentation.h"
#include "settingsstore.h"
#include "systemtools.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QTest>

using namespace longline;
using namespace longline::app;
using namespace longline::guitest;
using namespace std::chrono_literals;

namespace {
constexpr int ConnectMs = 5000;
constexpr Millis UserTimeout = 2000ms;

// Drops every packet to or from `port` on input: the silent cut.
bool cutPort(quint16 port, QString *error)
{
    return test::runNft(QStringLiteral("table inet longline_cut {\n"
                                       "  chain input { type filter hook input priority -10; "
                                       "policy accept;\n"
                                       "    tcp dport %1 drop\n"
                                       "    tcp sport %1 drop\n"
                                       "  }\n"
                                       "}\n")
                            .arg(port),
                        error);
}
} // namespace

class TestMainWindowNetns : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void userTimeoutIsCountedFromTheSend()
    {
        if (Server::binary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set: run through ctest");
        Server server;
        QVERIFY(server.start());
        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        // No keepalive, no heartbeat: only the user timeout can notice.
        LivenessConfig config = store.liveness();
        config.mode = LivenessMode::None;
        config.userTimeout = UserTimeout;
        store.setLiveness(config);
        MainWindow window(&store);
        window.show();
        window.connectTo({QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice")});
        QTRY_VERIFY_WITH_TIMEOUT(window.client()->state() == ChatClient::State::Online, ConnectMs);

        // Idle first, as a chat is: the last byte received is long before
        // the send, which is what the old figure counted from.
        QTest::qWait(2500);
        QString error;
        QVERIFY2(cutPort(server.port(), &error), qPrintable(error));
        QTest::keyClicks(window.input(), QStringLiteral("into the void"));
        QElapsedTimer sinceSend;
        sinceSend.start();
        QTest::keyClick(window.input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(window.lastVerdict().has_value(), int(UserTimeout.count()) + 5000);
        const qint64 atVerdict = sinceSend.elapsed();
        const DeathVerdict v = *window.lastVerdict();
        QVERIFY2(v.cause == DeathCause::UserTimeout, qPrintable(v.describe()));
        // The kernel gives up about the user timeout after the send; the
        // window says the same, within scheduling margins, and on time.
        QVERIFY2(std::abs(v.detection.count() - atVerdict) <= 400,
                 qPrintable(QStringLiteral("%1 against %2 ms since the send")
                                .arg(v.describe())
                                .arg(atVerdict)));
        QVERIFY2(v.detection >= UserTimeout - 200ms && v.detection <= UserTimeout + 1500ms,
                 qPrintable(v.describe()));
        QVERIFY(v.budget.has_value());
        QVERIFY2(*v.budget >= UserTimeout && *v.budget <= UserTimeout + 500ms,
                 qPrintable(v.describe()));
        QVERIFY2(v.timeliness() != DeathVerdict::Timeliness::Late, qPrintable(v.describe()));
        // The banner and the conversation say it in those figures.
        QVERIFY(window.banner()->isVisible());
        bool told = false;
        for (int i = 0; i < window.chatModel()->rowCount(); ++i) {
            const ChatEntry &e = window.chatModel()->entry(i);
            if (e.kind == ChatEntry::Kind::Notice && e.level == ChatEntry::Level::Error &&
                e.text.contains(Presentation::duration(v.detection)))
                told = true;
        }
        QVERIFY2(told, "no notice in the conversation gives the detection time");
        test::runNft(QStringLiteral("delete table inet longline_cut\n"));
    }
};

QTEST_MAIN(TestMainWindowNetns)
#include "tst_mainwindow_netns.moc"
