// longline-cli as a process (LONGLINE_CLI_BIN) against the real server: the
// stdin/stdout chat, the JSON event stream on stderr and the exit statuses
// the NAT lab scripts rely on.

#include "chatclient.h"
#include "clitestsupport.h"
#include "relay.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

namespace {
constexpr int Timeout = 5000;

} // namespace

class TestCliProcess : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString db(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
    static QString port(quint16 p) { return QString::number(p); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void chatOnStdoutEventsAsJson()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("chat.db")));
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("carol"), QStringLiteral("--events"), QStringLiteral("json"),
                        QStringLiteral("--keepalive"), QStringLiteral("5,2,3"),
                        QStringLiteral("--user-timeout"), QStringLiteral("4000"),
                        QStringLiteral("--heartbeat"), QStringLiteral("2,2")});
        const auto welcome = cli.waitForEvent(QStringLiteral("welcome"));
        QVERIFY2(welcome, qPrintable(dump(cli)));
        QCOMPARE(welcome->value(QStringLiteral("nick")).toString(), QStringLiteral("carol"));
        QVERIFY(welcome->value(QStringLiteral("seq")).isDouble());
        QVERIFY(welcome->value(QStringLiteral("minping")).isDouble());
        QVERIFY(welcome->value(QStringLiteral("maxline")).toInt() > 0);
        QVERIFY(!welcome->value(QStringLiteral("hb")).toString().isEmpty());

        const auto connected = cli.event(QStringLiteral("connected"));
        QVERIFY(connected);
        QCOMPARE(connected->value(QStringLiteral("remote")).toString(),
                 QStringLiteral("127.0.0.1:%1").arg(server.port()));
        QVERIFY(connected->value(QStringLiteral("local"))
                    .toString()
                    .startsWith(QStringLiteral("127.0.0.1:")));

        const auto options = cli.event(QStringLiteral("options_applied"));
        QVERIFY(options);
        const QJsonObject effective = options->value(QStringLiteral("effective")).toObject();
        const QJsonObject requested = options->value(QStringLiteral("requested")).toObject();
        QCOMPARE(requested.value(QStringLiteral("keepalive")).toString(), QStringLiteral("5,2,3"));
        QCOMPARE(effective.value(QStringLiteral("keepalive")).toString(), QStringLiteral("5,2,3"));
        QCOMPARE(effective.value(QStringLiteral("user_timeout_ms")).toInt(), 4000);
        QCOMPARE(effective.value(QStringLiteral("heartbeat")).toString(), QStringLiteral("2,2"));
        QVERIFY(options->value(QStringLiteral("errors")).toArray().isEmpty());

        cli.write("hello from the cli\n");
        QVERIFY2(cli.waitForStdout(QRegularExpression(
                     QStringLiteral(R"(^\d\d:\d\d:\d\d <carol> hello from the cli$)"))),
                 qPrintable(dump(cli)));
        const auto message = cli.waitForEvent(QStringLiteral("message"));
        QVERIFY(message);
        QCOMPARE(message->value(QStringLiteral("text")).toString(),
                 QStringLiteral("hello from the cli"));
        QCOMPARE(message->value(QStringLiteral("history")).toBool(), false);
        QVERIFY(cli.waitForEvent(QStringLiteral("ack")));

        cli.closeInput();
        QCOMPARE(cli.waitForExit(), 0);
        // Every stderr line is one JSON object with a time and an event.
        const auto events = cli.events();
        QVERIFY(!events.isEmpty());
        for (const QJsonObject &e : events) {
            QVERIFY2(!e.value(QStringLiteral("event")).toString().isEmpty(), qPrintable(dump(cli)));
            QVERIFY(e.value(QStringLiteral("time")).toString().endsWith(QLatin1Char('Z')));
        }
        QCOMPARE(events.last().value(QStringLiteral("event")).toString(), QStringLiteral("exit"));
        QCOMPARE(events.last().value(QStringLiteral("status")).toInt(), 0);
        QVERIFY(!cli.event(QStringLiteral("dead")));
    }

    void historyIsMarkedTextEventsAndQuitCommand()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("history.db")));
        {
            // Someone wrote earlier; a tab is allowed in chat text.
            ChatClient writer;
            writer.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                   QStringLiteral("dave"));
            QTRY_COMPARE_WITH_TIMEOUT(writer.state(), ChatClient::State::Online, Timeout);
            writer.send(QStringLiteral("earlier\tword"));
            QTRY_VERIFY_WITH_TIMEOUT(writer.outbox().isEmpty(), Timeout);
        }
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("erin"), QStringLiteral("--history"), QStringLiteral("5")});
        QVERIFY2(cli.waitForStdout(QRegularExpression(
                     QStringLiteral(R"(^\d\d:\d\d:\d\d \[history\] <dave> earlier\tword$)"))),
                 qPrintable(dump(cli)));
        // Text events: the server log's format.
        const QRegularExpression textEvent(
            QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z_]+( |$))"));
        QTRY_VERIFY_WITH_TIMEOUT(!cli.stderrLines().filter(QStringLiteral(" welcome ")).isEmpty(),
                                 Timeout);
        for (const QString &line : cli.stderrLines())
            QVERIFY2(textEvent.match(line).hasMatch(), qPrintable(line));
        cli.write("/quit done here\n");
        QCOMPARE(cli.waitForExit(), 0);
    }

    void controlCharactersNeverReachTheTerminal()
    {
        REQUIRE_CLI();
        // A hostile or broken server: only a fake one sends such bytes.
        FakeServer server;
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("carol")});
        QVERIFY(!server.welcome(0).isNull());
        server.send(QByteArray("MSG 1 2026-11-23T21:50:00.000Z bob \x1b[2Jred\x07 \xe2\x80\xae"
                               "evil\n"));
        server.send(QByteArray("LEAVE 2026-11-23T21:50:00.000Z bob gone\x1b]0;title\x07\n"));
        QVERIFY2(cli.waitForStdout(QRegularExpression(QStringLiteral("<bob> "))),
                 qPrintable(dump(cli)));
        QVERIFY2(cli.waitForStdout(QRegularExpression(QStringLiteral("bob left"))),
                 qPrintable(dump(cli)));
        cli.closeInput();
        QVERIFY(!server.waitForLine(QStringLiteral("QUIT")).isNull());
        server.closeClient();
        QCOMPARE(cli.waitForExit(), 0);
        const QString out = cli.stdoutLines().join('\n');
        const QString err = cli.stderrLines().join('\n');
        for (const QString &text : {out, err}) {
            QVERIFY2(!text.contains(QChar(0x1b)), qPrintable(text));
            QVERIFY(!text.contains(QChar(0x07)));
            QVERIFY(!text.contains(QChar(0x202e)));
        }
        QVERIFY(out.contains(QStringLiteral("<bob> \uFFFD[2Jred\uFFFD \uFFFDevil")));
    }

    // A room too large for one ONLINE: /who says how much is listed, and
    // /who more asks for the page after the last nick the server listed.
    void whoMorePagesThroughALargeRoom()
    {
        REQUIRE_CLI();
        FakeServer server;
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("carol")});
        QVERIFY(!server.welcome(0).isNull());
        server.sendLine(QStringLiteral("ONLINE alice bob carol"));
        server.sendLine(QStringLiteral("MEMBERS 150"));
        QVERIFY2(
            cli.waitForStdout(QRegularExpression(QStringLiteral("-- online: alice, bob, carol$"))),
            qPrintable(dump(cli)));
        QVERIFY2(cli.waitForStdout(QRegularExpression(
                     QStringLiteral("-- 3 of 150 listed; /who more lists the next page$"))),
                 qPrintable(dump(cli)));
        cli.write("/who more\n");
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO carol"));
        server.sendLine(QStringLiteral("ONLINE dave erin"));
        server.sendLine(QStringLiteral("MEMBERS 150"));
        QVERIFY2(cli.waitForStdout(QRegularExpression(
                     QStringLiteral("-- online: alice, bob, carol, dave, erin$"))),
                 qPrintable(dump(cli)));
        QVERIFY2(cli.waitForStdout(QRegularExpression(QStringLiteral("-- 5 of 150 listed"))),
                 qPrintable(dump(cli)));
        cli.closeInput();
        QVERIFY(!server.waitForLine(QStringLiteral("QUIT")).isNull());
        server.closeClient();
        QCOMPARE(cli.waitForExit(), 0);
    }

    void usageErrors()
    {
        REQUIRE_CLI();
        {
            CliProcess cli({QStringLiteral("127.0.0.1")});
            QCOMPARE(cli.waitForExit(), 1);
            QVERIFY(cli.stderrLines().join('\n').contains(QStringLiteral("--nick")));
        }
        {
            CliProcess cli({QStringLiteral("127.0.0.1"), QStringLiteral("--nick"),
                            QStringLiteral("x"), QStringLiteral("--heartbeat"),
                            QStringLiteral("fast")});
            QCOMPARE(cli.waitForExit(), 1);
            QVERIFY(cli.stderrLines().join('\n').contains(QStringLiteral("--heartbeat")));
        }
        {
            CliProcess cli({QStringLiteral("--version")});
            QCOMPARE(cli.waitForExit(), 0);
            QVERIFY(cli.stdoutLines().join('\n').startsWith(QStringLiteral("longline-cli ")));
        }
        {
            CliProcess cli({QStringLiteral("--help")});
            QCOMPARE(cli.waitForExit(), 0);
            QVERIFY(cli.stdoutLines().join('\n').contains(QStringLiteral("--kernel-sample")));
        }
    }

    void connectFailureExits2()
    {
        REQUIRE_CLI();
        CliProcess cli({QStringLiteral("127.0.0.1"), port(closedPort()), QStringLiteral("--nick"),
                        QStringLiteral("carol"), QStringLiteral("--events"),
                        QStringLiteral("json")});
        QCOMPARE(cli.waitForExit(), 2);
        QVERIFY(cli.event(QStringLiteral("connect_failed")));
        QCOMPARE(cli.events().last().value(QStringLiteral("status")).toInt(), 2);
    }

    void refusedNickExits5()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("nick.db")));
        ChatClient holder;
        holder.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(holder.state(), ChatClient::State::Online, Timeout);
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("alice"), QStringLiteral("--events"), QStringLiteral("json"),
                        QStringLiteral("--reconnect")});
        QCOMPARE(cli.waitForExit(), 5);
        const auto error = cli.event(QStringLiteral("error"));
        QVERIFY2(error, qPrintable(dump(cli)));
        QCOMPARE(error->value(QStringLiteral("code")).toInt(), 422);
        QCOMPARE(error->value(QStringLiteral("name")).toString(), QStringLiteral("NICK_TAKEN"));
        QVERIFY(!cli.event(QStringLiteral("reconnect")));
    }

    void serverGoneExits4()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("gone.db")));
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("carol"), QStringLiteral("--events"),
                        QStringLiteral("json")});
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        server.kill();
        QCOMPARE(cli.waitForExit(), 4);
        const auto dead = cli.event(QStringLiteral("dead"));
        QVERIFY2(dead, qPrintable(dump(cli)));
        const QString cause = dead->value(QStringLiteral("cause")).toString();
        QVERIFY2(cause == QLatin1String("closed_by_peer") ||
                     cause == QLatin1String("reset_by_peer"),
                 qPrintable(cause));
    }

    void heartbeatDeathExits3()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("relay.db"), 0,
                             {QStringLiteral("--min-client-ping"), QStringLiteral("0.1")}));
        longline::test::Relay relay(QHostAddress::LocalHost, server.port());
        QVERIFY(relay.listen());
        CliProcess cli({QStringLiteral("127.0.0.1"), port(relay.port()), QStringLiteral("--nick"),
                        QStringLiteral("carol"), QStringLiteral("--events"), QStringLiteral("json"),
                        QStringLiteral("--heartbeat"), QStringLiteral("0.5,0.5"),
                        QStringLiteral("--kernel-sample"), QStringLiteral("200")});
        QVERIFY2(cli.waitForEvent(QStringLiteral("welcome")), qPrintable(dump(cli)));
        QVERIFY2(cli.waitForEvent(QStringLiteral("rtt")), qPrintable(dump(cli)));
        const auto kernel = cli.waitForEvent(QStringLiteral("kernel"));
        QVERIFY(kernel);
        for (const char *key :
             {"rtt_us", "last_ack_recv_ms", "last_data_recv_ms", "probes", "unacked", "retransmits",
              "timer", "timer_expires_ms", "timer_retrans"})
            QVERIFY2(kernel->contains(QLatin1String(key)), key);
        relay.cut();
        QCOMPARE(cli.waitForExit(), 3);
        const auto dead = cli.event(QStringLiteral("dead"));
        QVERIFY2(dead, qPrintable(dump(cli)));
        QCOMPARE(dead->value(QStringLiteral("cause")).toString(),
                 QStringLiteral("heartbeat_timeout"));
        const int detection = dead->value(QStringLiteral("detection_ms")).toInt();
        QVERIFY2(detection >= 1000 && detection <= 1600, qPrintable(QString::number(detection)));
        QCOMPARE(dead->value(QStringLiteral("budget_ms")).toInt(), 1000);
        QCOMPARE(dead->value(QStringLiteral("within_budget")).toBool(), true);
        QCOMPARE(cli.events().last().value(QStringLiteral("status")).toInt(), 3);
    }

    void pipedInputIsDeliveredBeforeQuit()
    {
        REQUIRE_CLI();
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(db("pipe.db")));
        ChatClient watcher;
        ClientRecorder w(&watcher);
        watcher.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                QStringLiteral("watch"));
        QTRY_COMPARE_WITH_TIMEOUT(watcher.state(), ChatClient::State::Online, Timeout);
        // Input that ends before the connection is up: like `echo hi | longline-cli`.
        CliProcess cli({QStringLiteral("127.0.0.1"), port(server.port()), QStringLiteral("--nick"),
                        QStringLiteral("piper")});
        cli.write("one\ntwo\n");
        cli.closeInput();
        QCOMPARE(cli.waitForExit(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(w.countText(QStringLiteral("two")), 1, Timeout);
        QCOMPARE(w.countText(QStringLiteral("one")), 1);
    }
};

QTEST_GUILESS_MAIN(TestCliProcess)
#include "tst_cli_process.moc"
