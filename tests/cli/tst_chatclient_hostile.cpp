// ChatClient against a scripted hostile server (issue 8): floods that must
// not grow the client's memory, rate-limit refusals that must not multiply
// resends, and presence floods that must not stop it answering PING.

#include "chatclient.h"
#include "clitestsupport.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

namespace {
constexpr int Timeout = 5000;

QByteArray msgLines(qint64 firstSeq, int count, const QString &text)
{
    QByteArray out;
    for (int i = 0; i < count; ++i)
        out += QStringLiteral("MSG %1 2026-11-23T21:50:00.000Z bob %2\n")
                   .arg(firstSeq + i)
                   .arg(text)
                   .toUtf8();
    return out;
}

int countPrefix(const QStringList &lines, const QString &prefix)
{
    int n = 0;
    for (const QString &l : lines)
        n += l.startsWith(prefix) ? 1 : 0;
    return n;
}
} // namespace

class TestChatClientHostile : public QObject
{
    Q_OBJECT

private:
    bool goOnline(ChatClient &client, FakeServer &server, qint64 seq = 0,
                  const QString &extra = QStringLiteral("minping=0.1"))
    {
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        if (server.welcome(seq, extra).isNull())
            return false;
        return waitFor([&] { return client.state() == ChatClient::State::Online; }, Timeout);
    }

private Q_SLOTS:
    // A server that never answers HISTORY and keeps sending MSG: the live
    // messages held for after the history stay under their bound, then the
    // server is dropped and connected to again.
    void liveFloodDuringUnansweredHistoryIsBounded()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        client.setInitialHistory(10);
        int maxHeld = 0;
        QStringList violations;
        connect(&client, &ChatClient::protocolViolation, &client, [&](const QString &why) {
            violations.append(why);
            maxHeld = std::max(maxHeld, client.heldLiveCount());
        });
        QVERIFY(goOnline(client, server, 100));
        QVERIFY(!server.waitForLine(QStringLiteral("HISTORY 90")).isNull());
        // Twice the bound, in chunks, never a HISTEND.
        const int flood = 2 * ChatClient::MaxHeldLiveMessages;
        for (int sent = 0; sent < flood && violations.isEmpty(); sent += 500) {
            server.send(msgLines(101 + sent, 500, QStringLiteral("flood")));
            QTest::qWait(5);
            maxHeld = std::max(maxHeld, client.heldLiveCount());
        }
        QTRY_COMPARE_WITH_TIMEOUT(violations.size(), 1, Timeout);
        QVERIFY2(violations.first().contains(QStringLiteral("history")),
                 qPrintable(violations.first()));
        QVERIFY(maxHeld <= ChatClient::MaxHeldLiveMessages);
        QCOMPARE(client.heldLiveCount(), 0);
        // Nothing held was shown out of order: the history was never answered.
        QVERIFY(rec.messages.isEmpty());
        // A reconnect follows, and asks for the same history again.
        QVERIFY(server.waitForAccepted(2, 3000));
        QVERIFY(!server.welcome(100 + flood).isNull());
        QVERIFY(!server.waitForLine(QStringLiteral("HISTORY 90")).isNull());
    }

    // Chat lines before WELCOME (found by fuzz_chatclient: a MSG before a
    // WELCOME whose seq was lower was shown twice): a protocol violation,
    // nothing of it shown.
    void chatLinesBeforeWelcomeAreAViolation()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QSignalSpy violation(&client, &ChatClient::protocolViolation);
        client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("alice"));
        QVERIFY(!server.waitForLine(QStringLiteral("HELLO ")).isNull());
        server.send(msgLines(5, 1, QStringLiteral("too early")) +
                    "WELCOME alice server=fake/1 seq=2 hb=off session=k1\n" +
                    msgLines(5, 1, QStringLiteral("too early")));
        QTRY_COMPARE_WITH_TIMEOUT(violation.size(), 1, Timeout);
        QVERIFY2(violation.first().first().toString().contains(QLatin1String("MSG before WELCOME")),
                 qPrintable(violation.first().first().toString()));
        QVERIFY(rec.messages.isEmpty());
        QVERIFY(rec.welcomes.isEmpty());
        QVERIFY(server.waitForAccepted(2, 3000)); // and reconnects
    }

    // More HIST lines than the page asked for is a flood too.
    void historyAnswerLongerThanAskedIsDropped()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        client.setInitialHistory(5);
        QSignalSpy violation(&client, &ChatClient::protocolViolation);
        QVERIFY(goOnline(client, server, 5));
        QVERIFY(!server.waitForLine(QStringLiteral("HISTORY 0")).isNull());
        QByteArray page;
        for (int i = 1; i <= ChatClient::HistoryPageSize + 50; ++i)
            page += QStringLiteral("HIST %1 2026-11-23T21:50:00.000Z bob h%1\n").arg(i).toUtf8();
        server.send(page);
        QTRY_COMPARE_WITH_TIMEOUT(violation.size(), 1, Timeout);
        QCOMPARE(rec.messages.size(), ChatClient::HistoryPageSize);
        QVERIFY(server.waitForAccepted(2, 3000));
    }

    // A server that floods PING and never reads: the PONGs it does not
    // take are bounded, then it is dropped and connected to again.
    void pingFloodFromServerThatDoesNotReadIsBounded()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QStringList violations;
        qint64 unsentAtDrop = -1;
        connect(&client, &ChatClient::protocolViolation, &client, [&](const QString &why) {
            violations.append(why);
            unsentAtDrop = client.socket()->bytesToWrite();
        });
        QVERIFY(goOnline(client, server));
        server.stopReading();
        const QString token(64, QLatin1Char('p'));
        QByteArray chunk;
        for (int i = 0; i < 2000; ++i)
            chunk += "PING " + token.toLatin1() + '\n';
        qint64 unsentMax = 0;
        QElapsedTimer clock;
        clock.start();
        // Enough PINGs to fill the kernel's buffers on both sides many times.
        while (violations.isEmpty() && clock.elapsed() < 10000) {
            if (server.client()->bytesToWrite() < 1024 * 1024)
                server.client()->write(chunk);
            QTest::qWait(1);
            if (client.state() == ChatClient::State::Online)
                unsentMax = std::max(unsentMax, client.socket()->bytesToWrite());
        }
        QCOMPARE(violations.size(), 1);
        QVERIFY2(violations.first().contains(QStringLiteral("does not read")),
                 qPrintable(violations.first()));
        QVERIFY2(unsentAtDrop <= ChatClient::MaxUnsentBytes + 128,
                 qPrintable(QString::number(unsentAtDrop)));
        QVERIFY(unsentMax <= ChatClient::MaxUnsentBytes + 128);
        QVERIFY(rec.lost.isEmpty()); // not a liveness failure: our decision
        QVERIFY(server.waitForAccepted(2, 3000));
    }

    // 80,000 JOIN lines, then a PING: answered within a short budget, and
    // every nick is listed (presence costs O(log n) per line).
    void joinFloodKeepsAnsweringPing()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        constexpr int Joins = 80000;
        QByteArray flood;
        for (int i = 0; i < Joins; ++i)
            flood += QStringLiteral("JOIN 2026-11-23T21:50:00.000Z user%1\n").arg(i).toUtf8();
        QElapsedTimer clock;
        clock.start();
        server.send(flood + "PING after-joins\n");
        QCOMPARE(server.waitForLine(QStringLiteral("PONG"), 10000),
                 QStringLiteral("PONG after-joins"));
        const qint64 joinMs = clock.elapsed();
        qInfo("80,000 JOINs and a PING answered in %lld ms", joinMs);
        QVERIFY2(joinMs < 3000 * BudgetScale, qPrintable(QStringLiteral("%1 ms").arg(joinMs)));
        QCOMPARE(client.onlineCount(), Joins);
        QVERIFY(client.online().contains(QStringLiteral("user79999")));

        QByteArray leaves;
        for (int i = 0; i < Joins; ++i)
            leaves +=
                QStringLiteral("LEAVE 2026-11-23T21:50:00.000Z user%1 quit: bye\n").arg(i).toUtf8();
        clock.restart();
        server.send(leaves + "PING after-leaves\n");
        QCOMPARE(server.waitForLine(QStringLiteral("PONG"), 10000),
                 QStringLiteral("PONG after-leaves"));
        QVERIFY2(clock.elapsed() < 3000 * BudgetScale,
                 qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
        QCOMPARE(client.onlineCount(), 0);
    }

    // Distinct nicks beyond the cap are not listed: memory stays bounded.
    void presenceListIsCapped()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server));
        QByteArray flood;
        for (int i = 0; i < ChatClient::MaxMembers + 100; ++i)
            flood += QStringLiteral("JOIN 2026-11-23T21:50:00.000Z u%1\n").arg(i).toUtf8();
        server.send(flood + "PING done\n");
        QVERIFY(!server.waitForLine(QStringLiteral("PONG done"), 10000).isNull());
        QCOMPARE(client.onlineCount(), ChatClient::MaxMembers);
        QVERIFY(rec.logContains(QStringLiteral("presence list full")));
        QCOMPARE(client.state(), ChatClient::State::Online);
    }

    // Messages go out at the rate WELCOME announces, not all at once.
    void sendsArePacedToTheAnnouncedRate()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server, 0, QStringLiteral("minping=0.1 rate=5/1")));
        for (int i = 0; i < 12; ++i)
            client.send(QStringLiteral("m%1").arg(i));
        QTest::qWait(600);
        QCOMPARE(countPrefix(server.lines(), QStringLiteral("SAYID ")), 5);
        // The window (1 s plus the pacer's margin) frees the next five.
        QTRY_COMPARE_WITH_TIMEOUT(countPrefix(server.lines(), QStringLiteral("SAYID ")), 10, 2000);
        QTRY_COMPARE_WITH_TIMEOUT(countPrefix(server.lines(), QStringLiteral("SAYID ")), 12, 2000);
    }

    // A server without `rate` in WELCOME gets the old default, 50 in 10 s.
    void unannouncedRateUsesTheSafeDefault()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        for (int i = 0; i < ChatClient::DefaultRateMessages + 5; ++i)
            client.send(QStringLiteral("m%1").arg(i));
        QTest::qWait(500);
        QCOMPARE(countPrefix(server.lines(), QStringLiteral("SAYID ")),
                 ChatClient::DefaultRateMessages);
        QVERIFY(client.pacingDelay() > Millis{0});
    }

    // The server takes the first five and refuses the next five with 430:
    // only those five are written again, each once, and all ten arrive.
    void rateLimitedResendsOnlyTheRefusedOnce()
    {
        FakeServer server;
        ChatClient client;
        ClientRecorder rec(&client);
        QVERIFY(goOnline(client, server, 0, QStringLiteral("minping=0.1 rate=100/10")));
        QStringList cids;
        for (int i = 0; i < 10; ++i)
            cids.append(client.send(QStringLiteral("m%1").arg(i)));
        QTRY_COMPARE_WITH_TIMEOUT(countPrefix(server.lines(), QStringLiteral("SAYID ")), 10,
                                  Timeout);
        for (int i = 0; i < 10; ++i) {
            if (i < 5)
                server.sendLine(QStringLiteral("ACK %1 %2").arg(cids.at(i)).arg(i + 1));
            else
                server.sendLine(QStringLiteral("ERR 430 RATE_LIMITED slow down"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(rec.acks.size(), 5, Timeout);
        // From here the fake server accepts whatever arrives.
        qint64 seq = 5;
        QStringList written = server.lines();
        QDeadlineTimer deadline(5000);
        while (rec.acks.size() < 10 && !deadline.hasExpired()) {
            for (const QString &l : server.lines().mid(written.size())) {
                if (l.startsWith(QLatin1String("SAYID ")))
                    server.sendLine(QStringLiteral("ACK %1 %2").arg(l.split(' ').at(1)).arg(++seq));
            }
            written = server.lines();
            QTest::qWait(10);
        }
        QCOMPARE(rec.acks.size(), 10);
        QTest::qWait(300); // nothing further may come
        for (int i = 0; i < 10; ++i) {
            const int writes =
                countPrefix(server.lines(), QStringLiteral("SAYID %1 ").arg(cids.at(i)));
            QCOMPARE(writes, i < 5 ? 1 : 2);
        }
        QVERIFY(client.outbox().isEmpty());
    }

    // A server that answers every SAYID with 430: resends stay a trickle
    // (one at a time, backing off), never a storm.
    void serverRefusingEverythingGetsATrickle()
    {
        FakeServer server;
        ChatClient client;
        QVERIFY(goOnline(client, server));
        for (int i = 0; i < 10; ++i)
            client.send(QStringLiteral("m%1").arg(i));
        QElapsedTimer clock;
        clock.start();
        int answered = 0;
        while (clock.elapsed() < 3000) {
            const int written = countPrefix(server.lines(), QStringLiteral("SAYID "));
            for (; answered < written; ++answered)
                server.sendLine(QStringLiteral("ERR 430 RATE_LIMITED slow down"));
            QTest::qWait(10);
        }
        const int written = countPrefix(server.lines(), QStringLiteral("SAYID "));
        // 10 at first, then one per backoff (0.5 s, 1 s, 2 s, ...).
        QVERIFY2(written > 10 && written <= 14, qPrintable(QString::number(written)));
        QCOMPARE(client.outbox().size(), 10);
        QCOMPARE(client.state(), ChatClient::State::Online);
    }
};

QTEST_GUILESS_MAIN(TestChatClientHostile)
#include "tst_chatclient_hostile.moc"
