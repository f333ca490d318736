// ChatClient against the real longline-server (LONGLINE_SERVER_BIN): chat
// between clients, the outbox across a server crash, history catch-up,
// refused nicks, reconnect backoff and heartbeat death through a relay.

#include "chatclient.h"
#include "clitestsupport.h"
#include "relay.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

namespace {
constexpr int Timeout = 5000;
const QString Host = QStringLiteral("127.0.0.1");
} // namespace

class TestChatClientServer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString dbPath(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void twoClientsExchangeMessages()
    {
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(dbPath("exchange.db")));
        ChatClient alice, bob;
        ClientRecorder a(&alice), b(&bob);
        alice.connectToServer(Host, server.port(), QStringLiteral("alice"));
        bob.connectToServer(Host, server.port(), QStringLiteral("bob"));
        QTRY_COMPARE_WITH_TIMEOUT(alice.state(), ChatClient::State::Online, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(bob.state(), ChatClient::State::Online, Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(alice.online().contains(QStringLiteral("bob")), Timeout);

        const QString cid = alice.send(QStringLiteral("hi bob"));
        QTRY_COMPARE_WITH_TIMEOUT(b.countText(QStringLiteral("hi bob")), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(a.countAck(cid), 1, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(a.countText(QStringLiteral("hi bob")), 1, Timeout);
        QCOMPARE(b.messages.last().nick, QStringLiteral("alice"));
        QCOMPARE(b.fromHistory.last(), false);
        QCOMPARE(a.acks.first().second, b.messages.last().seq);
        QVERIFY(alice.outbox().isEmpty());

        bob.send(QStringLiteral("hello alice"));
        QTRY_COMPARE_WITH_TIMEOUT(a.countText(QStringLiteral("hello alice")), 1, Timeout);

        // A user's quit is not a failure and shows as a LEAVE to the other.
        QSignalSpy left(&alice, &ChatClient::userLeft);
        bob.disconnectFromServer(QStringLiteral("bye"));
        QTRY_COMPARE_WITH_TIMEOUT(bob.state(), ChatClient::State::Disconnected, Timeout);
        QVERIFY(left.wait(Timeout) || left.count() > 0);
        QCOMPARE(left.first().at(1).toString(), QStringLiteral("bob"));
        QVERIFY(b.lost.isEmpty());
        QVERIFY(b.reconnects.isEmpty());
    }

    void outboxSurvivesServerRestart()
    {
        REQUIRE_SERVER();
        const QString db = dbPath("outbox.db");
        ServerProcess server;
        QVERIFY(server.start(db));
        const quint16 port = server.port();
        ChatClient alice;
        ClientRecorder a(&alice);
        alice.connectToServer(Host, port, QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(alice.state(), ChatClient::State::Online, Timeout);

        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(a.lost.size(), 1, Timeout);
        QVERIFY(a.lost.first().isFailure());
        const QString cid = alice.send(QStringLiteral("sent while the server was down"));
        QCOMPARE(alice.outbox().size(), 1);
        // Let one reconnect attempt fail, so the message really waited.
        QTRY_VERIFY_WITH_TIMEOUT(!a.connectFailures.isEmpty(), Timeout);
        QCOMPARE(alice.outbox().size(), 1);

        QVERIFY(server.start(db, port));
        QTRY_COMPARE_WITH_TIMEOUT(a.countAck(cid), 1, 3 * Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(a.countText(QStringLiteral("sent while the server was down")), 1,
                                  Timeout);
        // A later message arrives after any repeat of the first would have.
        const QString marker = alice.send(QStringLiteral("marker"));
        QTRY_COMPARE_WITH_TIMEOUT(a.countText(QStringLiteral("marker")), 1, Timeout);
        QCOMPARE(a.countAck(cid), 1);
        QCOMPARE(a.countText(QStringLiteral("sent while the server was down")), 1);
        QVERIFY(alice.outbox().isEmpty());
        QCOMPARE(alice.reconnectAttempt(), 0);
    }

    void historyCatchUpIsOrderedWithoutDuplicates()
    {
        REQUIRE_SERVER();
        ServerProcess server;
        // A small maxhist forces several pages; no rate limit for the burst.
        QVERIFY(server.start(dbPath("history.db"), 0,
                             {QStringLiteral("--max-history"), QStringLiteral("40"),
                              QStringLiteral("--rate"), QStringLiteral("0")}));
        ChatClient reader, writer;
        ClientRecorder r(&reader), w(&writer);
        reader.connectToServer(Host, server.port(), QStringLiteral("reader"));
        writer.connectToServer(Host, server.port(), QStringLiteral("writer"));
        QTRY_COMPARE_WITH_TIMEOUT(reader.state(), ChatClient::State::Online, Timeout);
        QTRY_COMPARE_WITH_TIMEOUT(writer.state(), ChatClient::State::Online, Timeout);
        writer.send(QStringLiteral("before"));
        QTRY_COMPARE_WITH_TIMEOUT(r.countText(QStringLiteral("before")), 1, Timeout);
        const qint64 seenBefore = reader.lastSeq();

        reader.disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(reader.state(), ChatClient::State::Disconnected, Timeout);
        constexpr int Missed = 130;
        for (int i = 0; i < Missed; ++i)
            writer.send(QStringLiteral("missed %1").arg(i));
        QTRY_VERIFY_WITH_TIMEOUT(writer.outbox().isEmpty(), 2 * Timeout);

        // While the reader catches up, live messages keep coming: their MSG
        // copies arrive during the fetch (held) and most are also in later
        // history pages (dropped as repeats). The fake-server test covers the
        // release of held messages in isolation.
        constexpr int Live = 30;
        QObject::connect(&reader, &ChatClient::welcomed, &writer, [&writer] {
            for (int i = 0; i < Live; ++i)
                writer.send(QStringLiteral("live %1").arg(i));
        });
        reader.connectToServer(Host, server.port(), QStringLiteral("reader"));
        QTRY_COMPARE_WITH_TIMEOUT(r.countText(QStringLiteral("live %1").arg(Live - 1)), 1,
                                  3 * Timeout);
        QTRY_VERIFY_WITH_TIMEOUT(writer.outbox().isEmpty(), Timeout);

        // Everything after "before", exactly once, in seq order, no gaps.
        QList<qint64> seqs;
        QStringList texts;
        for (const auto &m : r.messages) {
            if (m.seq > seenBefore) {
                seqs.append(m.seq);
                texts.append(m.text);
            }
        }
        QCOMPARE(seqs.size(), Missed + Live);
        for (int i = 0; i < seqs.size(); ++i)
            QCOMPARE(seqs.at(i), seenBefore + 1 + i);
        for (int i = 0; i < Missed; ++i)
            QCOMPARE(texts.at(i), QStringLiteral("missed %1").arg(i));
        // The missed ones came from history, and the first live one arrived
        // after them.
        const int firstMissed = r.messages.size() - Missed - Live;
        QCOMPARE(r.fromHistory.at(firstMissed), true);
        QCOMPARE(r.fromHistory.at(firstMissed + Missed - 1), true);
        QCOMPARE(texts.filter(QStringLiteral("live ")).size(), Live);
    }

    void initialHistoryShowsRecentMessages()
    {
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(dbPath("initial.db")));
        ChatClient writer;
        ClientRecorder w(&writer);
        writer.connectToServer(Host, server.port(), QStringLiteral("writer"));
        QTRY_COMPARE_WITH_TIMEOUT(writer.state(), ChatClient::State::Online, Timeout);
        for (int i = 0; i < 8; ++i)
            writer.send(QStringLiteral("m%1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(w.acks.size(), 8, Timeout);

        ChatClient late;
        ClientRecorder l(&late);
        late.setInitialHistory(3);
        late.connectToServer(Host, server.port(), QStringLiteral("late"));
        QTRY_COMPARE_WITH_TIMEOUT(l.messages.size(), 3, Timeout);
        QCOMPARE(l.messages.at(0).text, QStringLiteral("m5"));
        QCOMPARE(l.messages.at(2).text, QStringLiteral("m7"));
        QCOMPARE(l.fromHistory, (QList<bool>{true, true, true}));
    }

    void nickTakenIsFatalWithoutRetry()
    {
        REQUIRE_SERVER();
        ServerProcess server;
        QVERIFY(server.start(dbPath("nick.db")));
        ChatClient first, second;
        ClientRecorder f(&first), s(&second);
        first.connectToServer(Host, server.port(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), ChatClient::State::Online, Timeout);
        second.connectToServer(Host, server.port(), QStringLiteral("ALICE")); // case-insensitive
        QTRY_COMPARE_WITH_TIMEOUT(s.errors.size(), 1, Timeout);
        QCOMPARE(s.errors.first(), static_cast<int>(protocol::ErrorCode::NickTaken));
        QCOMPARE(s.fatals.first(), true);
        QCOMPARE(second.state(), ChatClient::State::Disconnected);
        // Longer than the first backoff could be (ReconnectMin + 20%).
        QTest::qWait(static_cast<int>(ChatClient::ReconnectMin.count() * 1.3));
        QCOMPARE(second.state(), ChatClient::State::Disconnected);
        QVERIFY(s.reconnects.isEmpty());
        QVERIFY(s.lost.isEmpty());
        QCOMPARE(first.state(), ChatClient::State::Online);
    }

    void reconnectBackoffGrows()
    {
        // Needs no server: nothing listens on the port.
        ChatClient client;
        ClientRecorder rec(&client);
        client.connectToServer(Host, closedPort(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(rec.reconnects.size(), 3, 8000);
        client.disconnectFromServer();
        QCOMPARE(client.state(), ChatClient::State::Disconnected);
        QVERIFY(rec.connectFailures.size() >= 3);
        for (int i = 0; i < 3; ++i) {
            const qint64 base = ChatClient::ReconnectMin.count() << i; // 1 s, 2 s, 4 s
            const qint64 delay = rec.reconnects.at(i).first.count();
            QCOMPARE(rec.reconnects.at(i).second, i + 1);
            QVERIFY2(delay >= base * 8 / 10 && delay <= base * 12 / 10,
                     qPrintable(QStringLiteral("attempt %1 delay %2 ms").arg(i + 1).arg(delay)));
            if (i > 0)
                QVERIFY(delay > rec.reconnects.at(i - 1).first.count());
        }
    }

    void heartbeatDetectsSilentRelay()
    {
        REQUIRE_SERVER();
        ServerProcess server;
        // The client pings every 0.5 s: allow it.
        QVERIFY(server.start(dbPath("relay.db"), 0,
                             {QStringLiteral("--min-client-ping"), QStringLiteral("0.1")}));
        longline::test::Relay relay(QHostAddress::LocalHost, server.port());
        QVERIFY(relay.listen());
        ChatClient client;
        ClientRecorder rec(&client);
        LivenessSettings s;
        s.heartbeat = *HeartbeatOptions::parse(QStringLiteral("0.5,0.5"));
        client.setLivenessSettings(s);
        client.connectToServer(Host, relay.port(), QStringLiteral("alice"));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ChatClient::State::Online, Timeout);
        QCOMPARE(client.effectiveSettings().heartbeat.interval, Millis{500});
        // Heartbeats flow while the relay forwards: at least two round trips.
        QSignalSpy rtts(client.liveness(), &ConnectionLiveness::rttMeasured);
        QTRY_VERIFY_WITH_TIMEOUT(rtts.count() >= 2, Timeout);
        QVERIFY(rec.lost.isEmpty());

        relay.cut();
        QElapsedTimer sinceSilence;
        sinceSilence.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.lost.size(), 1, Timeout);
        const qint64 wall = sinceSilence.elapsed();
        const DeathVerdict v = rec.lost.first();
        QCOMPARE(v.cause, DeathCause::HeartbeatTimeout);
        QVERIFY(v.budget.has_value());
        QCOMPARE(*v.budget, Millis{1000});
        // Detection counts from the last byte heard; 0.6 s covers the poll
        // period (62 ms) and a loaded machine's scheduling.
        QVERIFY2(v.detection >= Millis{1000} && v.detection <= Millis{1600},
                 qPrintable(QStringLiteral("detection %1 ms").arg(v.detection.count())));
        QVERIFY2(wall <= 1600, qPrintable(QStringLiteral("noticed %1 ms after silence").arg(wall)));
        QCOMPARE(rec.reconnects.size(), 1);
        client.disconnectFromServer();
    }
};

QTEST_GUILESS_MAIN(TestChatClientServer)
#include "tst_chatclient_server.moc"
