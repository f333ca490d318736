// ChatClient against a scripted fake server: protocol handling that the real
// server would not produce on demand (malformed lines, history pages with
// live messages in between, refusals, BYE).

#include "chatclient.h"
#include "clitestsupport.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

namespace {
constexpr int Timeout = 5000;

QString msgLine(const char *cmd, qint64 seq, const QString &nick, const QString &text)
{
    return QStringLiteral("%1 %2 2026-11-23T21:50:00.000Z %3 %4")
        .arg(QLatin1String(cmd))
        .arg(seq)
        .arg(nick, text);
}
} // namespace

class TestChatClientFake : public QObject
{
    Q_OBJECT

private:
    // Connects `client` to `server` and completes the handshake.
    bool goOnline(ChatClient &client, FakeServer &server, qint64 seq = 0,
                  const QString &extra = QStringLiteral("minping=0.1"))
    {
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        if (server.welcome(seq, extra).isNull())
            return false;
        return waitFor([&] { return client.state() == ChatClient::State::Online; }, Timeout);
    }

private Q_SLOTS:
    void helloAndWelcome()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        QCOMPARE(client.state(), ChatClient::State::Connecting);
        QCOMPARE(server.welcome(7), QStringLiteral("HELLO alice"));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ChatClient::State::Online, Timeout);
        QCOMPARE(rec.welcomes.size(), 1);
        QCOMPARE(rec.welcomes.first().seq, 7);
        QVERIFY(client.welcomeInfo().has_value());
        // Without initial history the client starts from the latest message.
        QCOMPARE(client.lastSeq(), 7);
        QCOMPARE(rec.states, (QList<ChatClient::State>{ChatClient::State::Connecting,
                                                       ChatClient::State::Handshaking,
                                                       ChatClient::State::Online}));
    }

    void answersPingAndRoutesPong()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("PING s-17"));
        QCOMPARE(server.waitForLine(QStringLiteral("PONG")), QStringLiteral("PONG s-17"));
    }

    void malformedLinesAreLoggedNotFatal()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server));
        const int logsBefore = rec.logs.size();
        server.sendLine(QStringLiteral("MSG notanumber 2026-11-23T21:50:00.000Z bob hi"));
        server.sendLine(QStringLiteral("MSG 5 not-a-time bob hi"));
        server.sendLine(QStringLiteral("ACK onlyone"));
        server.sendLine(QStringLiteral("HISTEND x 1"));
        server.sendLine(QStringLiteral("ERR abc DEF text"));
        server.sendLine(QStringLiteral("FROB 1 2 3"));
        server.sendLine(QStringLiteral("WELCOME"));
        server.send(QByteArray("MSG 9 2026-11-23T21:50:00.000Z bob \xff\xfe bad utf8\n"));
        server.send(QByteArray(2 * 1024 * 1024, 'x') + '\n'); // over-long line
        server.sendLine(msgLine("MSG", 1, QStringLiteral("bob"), QStringLiteral("still fine")));
        QTRY_COMPARE_WITH_TIMEOUT(rec.messages.size(), 1, Timeout);
        QCOMPARE(rec.messages.first().text, QStringLiteral("still fine"));
        QCOMPARE(client.state(), ChatClient::State::Online);
        QVERIFY2(rec.logs.size() - logsBefore >= 9, qPrintable(rec.logs.join('\n')));
        QVERIFY(rec.lost.isEmpty());
    }

    void historyPagesThenHeldLiveMessages()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        client.setInitialHistory(4);
        QVERIFY(goOnline(client, server, 6));
        // seq 6 - 4 = 2: messages 3..6 are history.
        QCOMPARE(server.waitForLine(QStringLiteral("HISTORY")),
                 QStringLiteral("HISTORY 2 %1").arg(ChatClient::HistoryPageSize));
        // Live messages arrive while the fetch is running: held back.
        server.sendLine(msgLine("MSG", 7, QStringLiteral("bob"), QStringLiteral("m7")));
        server.sendLine(msgLine("HIST", 3, QStringLiteral("bob"), QStringLiteral("m3")));
        server.sendLine(msgLine("HIST", 4, QStringLiteral("bob"), QStringLiteral("m4")));
        server.sendLine(QStringLiteral("HISTEND 4 1"));
        QCOMPARE(server.waitForLine(QStringLiteral("HISTORY")),
                 QStringLiteral("HISTORY 4 %1").arg(ChatClient::HistoryPageSize));
        server.sendLine(msgLine("MSG", 8, QStringLiteral("bob"), QStringLiteral("m8")));
        server.sendLine(msgLine("HIST", 5, QStringLiteral("bob"), QStringLiteral("m5")));
        server.sendLine(msgLine("HIST", 6, QStringLiteral("bob"), QStringLiteral("m6")));
        server.sendLine(msgLine("HIST", 7, QStringLiteral("bob"), QStringLiteral("m7")));
        server.sendLine(QStringLiteral("HISTEND 7 0"));
        server.sendLine(msgLine("MSG", 9, QStringLiteral("bob"), QStringLiteral("m9")));
        QTRY_COMPARE_WITH_TIMEOUT(rec.messages.size(), 7, Timeout);
        QList<qint64> seqs;
        for (const auto &m : rec.messages)
            seqs.append(m.seq);
        QCOMPARE(seqs, (QList<qint64>{3, 4, 5, 6, 7, 8, 9}));
        QCOMPARE(rec.fromHistory, (QList<bool>{true, true, true, true, true, false, false}));
        QCOMPARE(client.lastSeq(), 9);
    }

    // Scroll-back: the messages before the oldest shown, without disturbing
    // live ones; the start of the history is told; one request at a time.
    void olderMessagesOnRequest()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QList<QList<protocol::ChatMessage>> pages;
        QList<bool> starts;
        connect(&client, &ChatClient::olderMessagesReceived,
                [&](const QList<protocol::ChatMessage> &page, bool atStart) {
                    pages.append(page);
                    starts.append(atStart);
                });
        QVERIFY(goOnline(client, server, 120));
        QVERIFY(!client.requestOlder(1)); // nothing is older than the first
        QVERIFY(client.requestOlder(100, 3));
        QVERIFY(client.fetchingOlder());
        QVERIFY(!client.requestOlder(100, 3)); // one at a time
        QCOMPARE(server.waitForLine(QStringLiteral("HISTORY")), QStringLiteral("HISTORY 96 3"));
        // A live message in the middle of the answer is delivered as usual.
        server.sendLine(msgLine("HIST", 97, QStringLiteral("bob"), QStringLiteral("m97")));
        server.sendLine(msgLine("MSG", 121, QStringLiteral("bob"), QStringLiteral("live")));
        server.sendLine(msgLine("HIST", 98, QStringLiteral("bob"), QStringLiteral("m98")));
        server.sendLine(msgLine("HIST", 99, QStringLiteral("bob"), QStringLiteral("m99")));
        server.sendLine(QStringLiteral("HISTEND 99 1"));
        QTRY_COMPARE_WITH_TIMEOUT(pages.size(), 1, Timeout);
        QCOMPARE(pages[0].size(), 3);
        QCOMPARE(pages[0].first().seq, 97);
        QCOMPARE(pages[0].last().seq, 99);
        QCOMPARE(starts[0], false);
        QCOMPARE(rec.messages.size(), 1); // only the live one, never the old ones
        QCOMPARE(rec.messages.first().seq, 121);
        QCOMPARE(client.lastSeq(), 121);
        QVERIFY(!client.fetchingOlder());

        // History the server no longer keeps: the answer skips ahead into
        // what is shown already, and only the older part counts; fewer
        // than asked for means nothing is older.
        QVERIFY(client.requestOlder(97, 3));
        QCOMPARE(server.waitForLine(QStringLiteral("HISTORY")), QStringLiteral("HISTORY 93 3"));
        server.sendLine(msgLine("HIST", 96, QStringLiteral("bob"), QStringLiteral("m96")));
        server.sendLine(msgLine("HIST", 97, QStringLiteral("bob"), QStringLiteral("m97")));
        server.sendLine(msgLine("HIST", 98, QStringLiteral("bob"), QStringLiteral("m98")));
        server.sendLine(QStringLiteral("HISTEND 98 1"));
        QTRY_COMPARE_WITH_TIMEOUT(pages.size(), 2, Timeout);
        QCOMPARE(pages[1].size(), 1);
        QCOMPARE(pages[1].first().seq, 96);
        QCOMPARE(starts[1], true);

        // More HIST lines than asked for is a protocol violation.
        QVERIFY(client.requestOlder(50, 2));
        QCOMPARE(server.waitForLine(QStringLiteral("HISTORY")), QStringLiteral("HISTORY 47 2"));
        for (int seq = 48; seq <= 50; ++seq)
            server.sendLine(msgLine("HIST", seq, QStringLiteral("bob"), QStringLiteral("x")));
        QTRY_VERIFY_WITH_TIMEOUT(client.state() != ChatClient::State::Online, Timeout);
    }

    void outboxIsResentAfterReconnectWithSessionKey()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server, 0, QStringLiteral("minping=0.1")));
        const QString cid = client.send(QStringLiteral("hello there"));
        QVERIFY(!cid.isEmpty());
        QVERIFY(protocol::isValidToken(cid));
        QCOMPARE(server.waitForLine(QStringLiteral("SAYID")),
                 QStringLiteral("SAYID %1 hello there").arg(cid));
        // The connection fails before the ACK: the message stays queued.
        server.closeClient();
        QTRY_COMPARE_WITH_TIMEOUT(rec.lost.size(), 1, Timeout);
        QCOMPARE(rec.lost.first().cause, DeathCause::ClosedByPeer);
        QCOMPARE(rec.reconnects.size(), 1);
        QCOMPARE(client.outbox().size(), 1);
        QVERIFY(server.waitForAccepted(2, 3000));
        // The reconnect presents the session key of the last WELCOME.
        QCOMPARE(server.welcome(0, QStringLiteral("minping=0.1"), QStringLiteral("k2")),
                 QStringLiteral("HELLO alice k1"));
        QCOMPARE(server.waitForLine(QStringLiteral("SAYID")),
                 QStringLiteral("SAYID %1 hello there").arg(cid));
        server.sendLine(QStringLiteral("ACK %1 1").arg(cid));
        QTRY_COMPARE_WITH_TIMEOUT(rec.acks.size(), 1, Timeout);
        QCOMPARE(rec.acks.first().first, cid);
        QCOMPARE(rec.acks.first().second, 1);
        QVERIFY(client.outbox().isEmpty());
        QCOMPARE(client.reconnectAttempt(), 0); // reset by the WELCOME
    }

    void sendSanitizesAndIgnoresBlank()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        QVERIFY(client.send(QStringLiteral("   ")).isEmpty());
        const QString cid = client.send(QStringLiteral("a\nQUIT\x1b[2J"));
        QCOMPARE(server.waitForLine(QStringLiteral("SAYID")),
                 QStringLiteral("SAYID %1 a\uFFFDQUIT\uFFFD[2J").arg(cid));
        QVERIFY(server.lines().filter(QStringLiteral("QUIT")).isEmpty());
    }

    void refusedNickIsFatal_data()
    {
        QTest::addColumn<int>("code");
        QTest::newRow("bad nick") << 421;
        QTest::newRow("nick taken") << 422;
    }
    void refusedNickIsFatal()
    {
        QFETCH(int, code);
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        QVERIFY(!server.waitForLine(QStringLiteral("HELLO")).isNull());
        server.sendLine(
            QStringLiteral("ERR %1 %2 no")
                .arg(code)
                .arg(code == 421 ? QStringLiteral("BAD_NICK") : QStringLiteral("NICK_TAKEN")));
        QTRY_COMPARE_WITH_TIMEOUT(rec.errors.size(), 1, Timeout);
        QCOMPARE(rec.errors.first(), code);
        QCOMPARE(rec.fatals.first(), true);
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
        QTRY_COMPARE_WITH_TIMEOUT(server.disconnects(), 1, Timeout);
        // No retry: longer than the first backoff (ReconnectMin + 20%).
        QTest::qWait(static_cast<int>(ChatClient::ReconnectMin.count() * 1.3));
        QCOMPARE(server.accepted(), 1);
        QVERIFY(rec.reconnects.isEmpty());
        QVERIFY(rec.lost.isEmpty());
    }

    void nonFatalErrorKeepsConnection()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("ERR 422 NICK_TAKEN late and irrelevant"));
        server.sendLine(QStringLiteral("ERR 416 CONTROL_CHARS no controls"));
        QTRY_COMPARE_WITH_TIMEOUT(rec.errors.size(), 2, Timeout);
        QCOMPARE(rec.fatals, (QList<bool>{false, false}));
        QCOMPARE(client.state(), ChatClient::State::Online);
    }

    void byeThenCloseIsAFailure()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("BYE server shutting down"));
        server.closeClient();
        QTRY_COMPARE_WITH_TIMEOUT(rec.lost.size(), 1, Timeout);
        QCOMPARE(rec.byes, QStringList{QStringLiteral("server shutting down")});
        QCOMPARE(rec.reconnects.size(), 1);
        QCOMPARE(client.state(), ChatClient::State::WaitingToReconnect);
        client.disconnectFromServer();
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
    }

    void userDisconnectIsNotAFailure()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server));
        client.disconnectFromServer(QStringLiteral("see you"));
        QCOMPARE(server.waitForLine(QStringLiteral("QUIT")), QStringLiteral("QUIT see you"));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ChatClient::State::Disconnected, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(server.disconnects(), 1, Timeout);
        QVERIFY(rec.lost.isEmpty());
        QVERIFY(rec.reconnects.isEmpty());
    }

    void heartbeatRaisedToMinPing()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        LivenessSettings s;
        s.heartbeat = *HeartbeatOptions::parse(QStringLiteral("0.5,0.5"));
        client.setLivenessSettings(s);
        QVERIFY(goOnline(client, server, 0, QStringLiteral("minping=1.5")));
        QCOMPARE(client.effectiveSettings().heartbeat.interval, Millis{1500});
        QCOMPARE(client.liveness()->settings().heartbeat.interval, Millis{1500});
        QCOMPARE(client.livenessSettings().heartbeat.interval, Millis{500}); // what the user asked
        QVERIFY2(rec.logContains(QStringLiteral("raised")), qPrintable(rec.logs.join('\n')));
    }

    void livenessSettingsApplyAtOnce()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        LivenessSettings s;
        s.keepalive = *KeepaliveOptions::parse(QStringLiteral("7,3,2"));
        client.setLivenessSettings(s);
        const auto &report = client.liveness()->lastOptionsReport();
        QVERIFY(report.effective.valid);
        QVERIFY(report.effective.keepaliveOn);
        QCOMPARE(report.effective.idleS, 7);
        QCOMPARE(report.effective.count, 2);
    }

    void connectFailureSchedulesRetry()
    {
        ChatClient client;
        ClientRecorder rec(&client);
        client.connectToServer(QStringLiteral("127.0.0.1"), closedPort(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(rec.connectFailures.size(), 1, Timeout);
        QCOMPARE(rec.reconnects.size(), 1);
        QCOMPARE(client.state(), ChatClient::State::WaitingToReconnect);
        client.disconnectFromServer();
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
    }

    // A room over one ONLINE page: WHO <after> adds the next page to the
    // list, and the MEMBERS after each page is the room's size.
    void whoPagesAddToTheList()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("ONLINE alice bob carol"));
        server.sendLine(QStringLiteral("MEMBERS 5"));
        QTRY_COMPARE_WITH_TIMEOUT(client.roomCount(), 5, Timeout);
        QCOMPARE(client.online(), (QStringList{"alice", "bob", "carol"}));
        QCOMPARE(client.memberCount(), 5);

        QVERIFY(client.requestWho(QStringLiteral("carol")));
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO carol"));
        server.sendLine(QStringLiteral("ONLINE dave erin"));
        server.sendLine(QStringLiteral("MEMBERS 5"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 5, Timeout);
        QCOMPARE(client.online(), (QStringList{"alice", "bob", "carol", "dave", "erin"}));
        QCOMPARE(client.memberCount(), 5);

        // A plain WHO replaces the list; one that is the whole room (no
        // MEMBERS after it) drops the count.
        QSignalSpy counts(&client, &ChatClient::memberCountChanged);
        QVERIFY(client.requestWho());
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO"));
        server.sendLine(QStringLiteral("ONLINE alice bob"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 2, Timeout);
        QCOMPARE(client.roomCount(), 0);
        QCOMPARE(client.memberCount(), 2);
        QCOMPARE(counts.size(), 1);

        // Not a single word: not sent.
        QVERIFY(!client.requestWho(QStringLiteral("a b")));
        QVERIFY(!client.requestWho(QStringLiteral("a\nQUIT")));
    }

    // "More" continues after the last nick the server listed, not after
    // the last one held: a JOIN puts a nick anywhere in the order. While a
    // WHO is unanswered, no page is asked for (it would be taken from a
    // list about to be replaced).
    void moreContinuesWhereTheServerStopped()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("ONLINE alice bob carol"));
        server.sendLine(QStringLiteral("MEMBERS 150"));
        QTRY_COMPARE_WITH_TIMEOUT(client.roomCount(), 150, Timeout);
        server.sendLine(QStringLiteral("JOIN 2026-11-23T21:50:00.000Z zoe"));
        QTRY_COMPARE_WITH_TIMEOUT(client.roomCount(), 151, Timeout);
        QCOMPARE(client.online().constLast(), QStringLiteral("zoe"));
        server.clearLines();
        QVERIFY(client.requestMoreWho());
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO carol"));
        QVERIFY(!client.requestMoreWho()); // the first is unanswered
        server.sendLine(QStringLiteral("ONLINE dave erin"));
        server.sendLine(QStringLiteral("MEMBERS 151"));
        QTRY_VERIFY_WITH_TIMEOUT(client.online().contains(QStringLiteral("erin")), Timeout);
        QVERIFY(client.requestMoreWho());
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO erin"));
    }

    // Entering count-only presence is told even when the count is the one
    // already held (a terminal says so once, with the room's size).
    void enteringCountOnlyIsSignalledWithTheRoomSize()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("ONLINE alice bob"));
        server.sendLine(QStringLiteral("MEMBERS 250"));
        QTRY_COMPARE_WITH_TIMEOUT(client.roomCount(), 250, Timeout);
        QVERIFY(!client.countOnlyPresence());
        QSignalSpy counts(&client, &ChatClient::memberCountChanged);
        server.sendLine(QStringLiteral("MEMBERS 250")); // on its own: over the limit
        QTRY_VERIFY_WITH_TIMEOUT(client.countOnlyPresence(), Timeout);
        QVERIFY(!counts.isEmpty());
        QCOMPARE(counts.first().first().toInt(), 250);
    }

    // The ONLINE after WELCOME answers HELLO, not a WHO page asked for
    // before it arrived.
    void helloOnlineIsNotAPageAnswer()
    {
        FakeServer server;
        ChatClient client;
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        QObject::connect(&client, &ChatClient::welcomed, &client,
                         [&client] { client.requestWho(QStringLiteral("zed")); });
        QVERIFY(!server.welcome(0).isNull());
        server.sendLine(QStringLiteral("ONLINE alice bob"));
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO zed"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 2, Timeout);
        server.sendLine(QStringLiteral("ONLINE zoe"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 3, Timeout);
    }

    // Over the presence limit: MEMBERS on its own replaces JOIN/LEAVE. The
    // client fetches a fresh first page (the JOINs it heard are a scatter),
    // and again when the room is no larger than its list or JOIN/LEAVE
    // resume; while JOIN/LEAVE flow in a room over one page they keep the
    // count.
    void membersOnItsOwnMeansCountOnly()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        server.sendLine(QStringLiteral("ONLINE alice"));
        server.sendLine(QStringLiteral("JOIN 2026-11-23T21:50:00.000Z mallory"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 2, Timeout);
        QVERIFY(!client.countOnlyPresence());
        server.clearLines();

        server.sendLine(QStringLiteral("MEMBERS 250"));
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO"));
        QVERIFY(client.countOnlyPresence());
        QCOMPARE(client.memberCount(), 250);
        server.sendLine(QStringLiteral("ONLINE alice bob carol"));
        server.sendLine(QStringLiteral("MEMBERS 250"));
        QTRY_COMPARE_WITH_TIMEOUT(client.online(), (QStringList{"alice", "bob", "carol"}), Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(client.memberCount(), 250, Timeout);

        // A larger room: no need to ask again.
        server.sendLine(QStringLiteral("MEMBERS 260"));
        QTRY_COMPARE_WITH_TIMEOUT(client.memberCount(), 260, Timeout);
        QTest::qWait(100);
        QVERIFY(server.waitForLine(QStringLiteral("WHO"), 0).isNull());

        // No larger than the list: some of it left unseen.
        server.sendLine(QStringLiteral("MEMBERS 3"));
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO"));
        server.sendLine(QStringLiteral("ONLINE alice carol"));
        QTRY_COMPARE_WITH_TIMEOUT(client.onlineCount(), 2, Timeout);
        QCOMPARE(client.roomCount(), 0);

        // JOIN/LEAVE resume: a fresh list again, then they keep it.
        server.sendLine(QStringLiteral("LEAVE 2026-11-23T21:50:00.000Z carol"));
        QCOMPARE(server.waitForLine(QStringLiteral("WHO")), QStringLiteral("WHO"));
        QVERIFY(!client.countOnlyPresence());
        server.sendLine(QStringLiteral("ONLINE alice"));
        server.sendLine(QStringLiteral("MEMBERS 150"));
        QTRY_COMPARE_WITH_TIMEOUT(client.memberCount(), 150, Timeout);
        server.sendLine(QStringLiteral("JOIN 2026-11-23T21:50:00.000Z zoe"));
        QTRY_COMPARE_WITH_TIMEOUT(client.memberCount(), 151, Timeout);
        server.sendLine(QStringLiteral("LEAVE 2026-11-23T21:50:00.000Z yann"));
        QTRY_COMPARE_WITH_TIMEOUT(client.memberCount(), 150, Timeout);
        QCOMPARE(client.online(), (QStringList{"alice", "zoe"}));
        QTest::qWait(100);
        QVERIFY(server.waitForLine(QStringLiteral("WHO"), 0).isNull());
    }

    void connectFailureWithoutAutoReconnect()
    {
        ChatClient client;
        ClientRecorder rec(&client);
        client.setAutoReconnect(false);
        client.connectToServer(QStringLiteral("127.0.0.1"), closedPort(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(rec.connectFailures.size(), 1, Timeout);
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
        QVERIFY(rec.reconnects.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestChatClientFake)
#include "tst_chatclient_fake.moc"
