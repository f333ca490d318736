// The server's protocol behaviour, end to end: the real longline-server
// binary on loopback, driven by raw line clients (docs/protocol.md).

#include "../support/ciskip.h"
#include "protocol.h"
#include "serverharness.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QtTest>

using namespace longline;
using namespace longline::testing;

class TestServerProtocol : public QObject
{
    Q_OBJECT

private:
    // Connects and registers; the client is ready to chat afterwards.
    static bool join(LineClient &client, ServerProcess &server, const QString &nick)
    {
        return client.connectTo(server.port()) && !client.hello(nick).isEmpty();
    }
    // A round trip through the server: everything the server sent this
    // client before the ONLINE answer is returned in order.
    static std::optional<QStringList> sync(LineClient &client)
    {
        client.sendLine(QStringLiteral("WHO"));
        if (!client.waitFor(QStringLiteral("ONLINE")))
            return std::nullopt;
        return client.skipped;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (serverBinary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set; run through ctest");
    }

    void twoClientsChat()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, bob;
        QVERIFY(alice.connectTo(server.port()));
        const QString welcome = alice.hello(QStringLiteral("alice"));
        QVERIFY2(!welcome.isEmpty(), qPrintable(alice.lastUnexpected));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("seq")), QStringLiteral("0"));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("hb")), QStringLiteral("15,10"));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("minping")), QStringLiteral("1"));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("maxline")), QStringLiteral("4096"));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("maxhist")), QStringLiteral("500"));
        QCOMPARE(LineClient::value(welcome, QStringLiteral("rate")), QStringLiteral("50/10"));
        QVERIFY(LineClient::value(welcome, QStringLiteral("server")).startsWith("longline/"));
        QVERIFY(!LineClient::value(welcome, QStringLiteral("session")).isEmpty());

        QVERIFY(bob.connectTo(server.port()));
        bob.sendLine(QStringLiteral("HELLO bob"));
        REQUIRE_LINE(bobWelcome, bob, QStringLiteral("WELCOME bob "));
        REQUIRE_LINE(online, bob, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE alice bob"));
        REQUIRE_LINE(joined, alice, QStringLiteral("JOIN "));
        QVERIFY(joined.endsWith(QLatin1String(" bob")));

        alice.sendLine(QStringLiteral("SAY hello everyone"));
        for (LineClient *c : {&alice, &bob}) {
            REQUIRE_LINE(line, *c, QStringLiteral("MSG "));
            const auto parsed = protocol::parse(line);
            QVERIFY(parsed.ok());
            const auto m = protocol::parseChatMessage(*parsed.line);
            QVERIFY(m);
            QCOMPARE(m->seq, qint64(1));
            QCOMPARE(m->nick, QStringLiteral("alice"));
            QCOMPARE(m->text, QStringLiteral("hello everyone"));
            QVERIFY(m->time.isValid());
            QVERIFY(qAbs(m->time.msecsTo(QDateTime::currentDateTimeUtc())) < 60000);
        }

        bob.sendLine(QStringLiteral("SAYID b-1 hi alice, ünïcödé ok"));
        REQUIRE_LINE(ack, bob, QStringLiteral("ACK "));
        QCOMPARE(ack, QStringLiteral("ACK b-1 2"));
        for (LineClient *c : {&bob, &alice}) {
            REQUIRE_LINE(line, *c, QStringLiteral("MSG 2 "));
            QVERIFY(line.endsWith(QStringLiteral(" bob hi alice, ünïcödé ok")));
        }
    }

    void nickRules()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, other;
        QVERIFY(join(alice, server, QStringLiteral("Alice")));
        QVERIFY(other.connectTo(server.port()));

        other.sendLine(QStringLiteral("HELLO b@d"));
        {
            REQUIRE_LINE(e1, other, QStringLiteral("ERR 421 BAD_NICK "));
        }
        other.sendLine(QStringLiteral("HELLO ") + QString(25, QLatin1Char('x')));
        {
            REQUIRE_LINE(e2, other, QStringLiteral("ERR 421 BAD_NICK "));
        }
        other.sendLine(QStringLiteral("HELLO ALICE"));
        {
            REQUIRE_LINE(e3, other, QStringLiteral("ERR 422 NICK_TAKEN "));
        }
        other.sendLine(QStringLiteral("HELLO alice"));
        {
            REQUIRE_LINE(e4, other, QStringLiteral("ERR 422 NICK_TAKEN "));
        }
        other.sendLine(QStringLiteral("HELLO alice 0123456789abcdef")); // a wrong key
        {
            REQUIRE_LINE(e5, other, QStringLiteral("ERR 422 NICK_TAKEN "));
        }
        // Unicode letters are fine, and the connection survived every refusal.
        QVERIFY(!other.hello(QStringLiteral("Zoë_2.0-x")).isEmpty());
        REQUIRE_LINE(joined, alice, QStringLiteral("JOIN "));
        QVERIFY(joined.endsWith(QStringLiteral(" Zoë_2.0-x")));
        other.sendLine(QStringLiteral("HELLO again"));
        REQUIRE_LINE(err409, other, QStringLiteral("ERR 409 ALREADY_REGISTERED "));
        QVERIFY(err409.contains(QStringLiteral("Zoë_2.0-x")));
    }

    void sessionKeyTakeover()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient old, bob, fresh;
        QVERIFY(old.connectTo(server.port()));
        const QString welcome = old.hello(QStringLiteral("alice"));
        QVERIFY(!welcome.isEmpty());
        const QString key = LineClient::value(welcome, QStringLiteral("session"));
        QVERIFY(!key.isEmpty());
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(bobJoin, old, QStringLiteral("JOIN "));

        // The "reconnect" presents the key, with the nick in other case.
        QVERIFY(fresh.connectTo(server.port()));
        const QString welcome2 = fresh.hello(QStringLiteral("ALICE"), key);
        QVERIFY2(!welcome2.isEmpty(), qPrintable(fresh.lastUnexpected));
        const QString key2 = LineClient::value(welcome2, QStringLiteral("session"));
        QVERIFY(!key2.isEmpty());
        QVERIFY(key2 != key);

        REQUIRE_LINE(bye, old, QStringLiteral("BYE "));
        QCOMPARE(bye, QStringLiteral("BYE replaced"));
        QVERIFY(old.waitClosed());
        REQUIRE_LINE(leave, bob, QStringLiteral("LEAVE "));
        QVERIFY(leave.endsWith(QStringLiteral(" alice replaced")));
        REQUIRE_LINE(join2, bob, QStringLiteral("JOIN "));
        QVERIFY(join2.endsWith(QStringLiteral(" ALICE")));
        bob.sendLine(QStringLiteral("WHO"));
        REQUIRE_LINE(online, bob, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE ALICE bob"));
        QVERIFY(server.waitForLog(
            QRegularExpression(QStringLiteral(" hello .*nick=ALICE .*replaced_id=1"))));

        // The old key is spent: it no longer takes anything over.
        LineClient third;
        QVERIFY(third.connectTo(server.port()));
        third.sendLine(QStringLiteral("HELLO alice ") + key);
        {
            REQUIRE_LINE(e6, third, QStringLiteral("ERR 422 NICK_TAKEN "));
        }
    }

    void historyPaging()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--max-history"), QStringLiteral("3")}));
        LineClient alice;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        for (int i = 1; i <= 5; ++i) {
            alice.sendLine(QStringLiteral("SAY message %1").arg(i));
            REQUIRE_LINE(msg, alice, QStringLiteral("MSG %1 ").arg(i));
        }
        alice.sendLine(QStringLiteral("HISTORY 1 2"));
        REQUIRE_LINE(h2, alice, QStringLiteral("HIST 2 "));
        QVERIFY(h2.endsWith(QStringLiteral(" alice message 2")));
        REQUIRE_LINE(h3, alice, QStringLiteral("HIST 3 "));
        REQUIRE_LINE(end1, alice, QStringLiteral("HISTEND "));
        QCOMPARE(end1, QStringLiteral("HISTEND 3 1"));
        // The next page, from where the last one ended.
        alice.sendLine(QStringLiteral("HISTORY 3 2"));
        REQUIRE_LINE(h4, alice, QStringLiteral("HIST 4 "));
        REQUIRE_LINE(h5, alice, QStringLiteral("HIST 5 "));
        REQUIRE_LINE(end2, alice, QStringLiteral("HISTEND "));
        QCOMPARE(end2, QStringLiteral("HISTEND 5 0"));
        // Nothing newer: HISTEND repeats since-seq.
        alice.sendLine(QStringLiteral("HISTORY 5"));
        REQUIRE_LINE(end3, alice, QStringLiteral("HISTEND "));
        QCOMPARE(end3, QStringLiteral("HISTEND 5 0"));
        // No max, or a max above maxhist: capped at maxhist (3).
        for (const char *request : {"HISTORY 0", "HISTORY 0 100"}) {
            alice.sendLine(QString::fromLatin1(request));
            for (int seq = 1; seq <= 3; ++seq) {
                REQUIRE_LINE(h, alice, QStringLiteral("HIST %1 ").arg(seq));
                const auto m = protocol::parseChatMessage(*protocol::parse(h).line);
                QVERIFY(m);
                QCOMPARE(m->text, QStringLiteral("message %1").arg(seq));
            }
            REQUIRE_LINE(end, alice, QStringLiteral("HISTEND "));
            QCOMPARE(end, QStringLiteral("HISTEND 3 1"));
        }
    }

    void whoAndPing()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, bob;
        // PING is allowed before HELLO.
        QVERIFY(alice.connectTo(server.port()));
        alice.sendLine(QStringLiteral("PING before-hello"));
        REQUIRE_LINE(pong1, alice, QStringLiteral("PONG "));
        QCOMPARE(pong1, QStringLiteral("PONG before-hello"));
        QVERIFY(!alice.hello(QStringLiteral("alice")).isEmpty());
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        alice.sendLine(QStringLiteral("who"));
        REQUIRE_LINE(joined, alice, QStringLiteral("JOIN "));
        REQUIRE_LINE(online, alice, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE alice bob"));
        bob.sendLine(QStringLiteral("PING tok-42!"));
        REQUIRE_LINE(pong2, bob, QStringLiteral("PONG "));
        QCOMPARE(pong2, QStringLiteral("PONG tok-42!"));
        // A PING in any other form than "PING token" takes the general
        // parse, with the same answer.
        LineClient carol;
        QVERIFY(join(carol, server, QStringLiteral("carol")));
        carol.sendLine(QStringLiteral("ping\tlower-case  "));
        REQUIRE_LINE(pong3, carol, QStringLiteral("PONG "));
        QCOMPARE(pong3, QStringLiteral("PONG lower-case"));
    }

    // A PING alone in its read is answered from the bytes as read
    // (ChatRoom::answerLineBytes); every other shape goes through the
    // framer. Both must give the same answers, and the shortcut must not
    // bypass the framer's limits or swallow an unfinished line.
    void pingFromTheBytesAnswersAsTheFramerWould()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--max-line"), QStringLiteral("64"),
                                     QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        LineClient dan, eve;
        QVERIFY(join(dan, server, QStringLiteral("dan")));
        QVERIFY(join(eve, server, QStringLiteral("eve")));
        REQUIRE_LINE(joined, dan, QStringLiteral("JOIN "));
        dan.send("PING crlf-token\r\n");
        REQUIRE_LINE(crlf, dan, QStringLiteral("PONG "));
        QCOMPARE(crlf, QStringLiteral("PONG crlf-token"));
        // Two in one write: framed, answered in order.
        dan.send("PING one\nPING two\n");
        REQUIRE_LINE(one, dan, QStringLiteral("PONG "));
        REQUIRE_LINE(two, dan, QStringLiteral("PONG "));
        QCOMPARE(one + two, QStringLiteral("PONG onePONG two"));
        // 59 token bytes fit the 64-byte line; 60 do not, and the framer's
        // limit holds for a PING too.
        const QByteArray fits(59, 'f');
        dan.send("PING " + fits + "\n");
        REQUIRE_LINE(longest, dan, QStringLiteral("PONG "));
        QCOMPARE(longest, QStringLiteral("PONG ") + QString::fromLatin1(fits));
        dan.send("PING " + QByteArray(60, 'g') + "\n");
        REQUIRE_LINE(tooLong, dan, QStringLiteral("ERR "));
        QVERIFY2(tooLong.startsWith(QStringLiteral("ERR 413 LINE_TOO_LONG ")), qPrintable(tooLong));
        // An unfinished line before it: the PING's bytes end that line.
        dan.send("SAY half a line, ");
        QTest::qWait(50); // most likely a read of its own; the answer is the same if not
        dan.send("PING not-a-ping\n");
        REQUIRE_LINE(said, eve, QStringLiteral("MSG "));
        QVERIFY2(said.endsWith(QStringLiteral(" dan half a line, PING not-a-ping")),
                 qPrintable(said));
        // Too fast, from the bytes: the PingGuard's answer.
        ServerProcess strict;
        QVERIFY(strict.startDefault({QStringLiteral("--min-client-ping"), QStringLiteral("5")}));
        LineClient fay;
        QVERIFY(join(fay, strict, QStringLiteral("fay")));
        fay.send("PING first\n");
        REQUIRE_LINE(first, fay, QStringLiteral("PONG "));
        QCOMPARE(first, QStringLiteral("PONG first"));
        // One PING early is forgiven (the pace is judged on average), the
        // next is not.
        fay.send("PING second\n");
        REQUIRE_LINE(second, fay, QStringLiteral("PONG "));
        QCOMPARE(second, QStringLiteral("PONG second"));
        fay.send("PING third\n");
        REQUIRE_LINE(refused, fay, QStringLiteral("ERR "));
        QVERIFY2(refused.startsWith(QStringLiteral("ERR 429 PING_TOO_FAST ")), qPrintable(refused));
    }

    void quitSendsByeAndLeave()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, bob;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(joined, alice, QStringLiteral("JOIN "));
        alice.sendLine(QStringLiteral("QUIT see you later"));
        REQUIRE_LINE(bye, alice, QStringLiteral("BYE "));
        QCOMPARE(bye, QStringLiteral("BYE quit: see you later"));
        QVERIFY(alice.waitClosed());
        REQUIRE_LINE(leave, bob, QStringLiteral("LEAVE "));
        QVERIFY(leave.endsWith(QStringLiteral(" alice quit: see you later")));
        const auto parsed = protocol::parse(leave);
        QVERIFY(parsed.ok());
        QVERIFY(protocol::parseTime(parsed.line->words.at(0)).isValid());
        QVERIFY(server.waitForLog(QRegularExpression(QStringLiteral(
            " disconnect id=1 .*nick=alice cause=local_close .*quit: see you later"))));
        bob.sendLine(QStringLiteral("WHO"));
        REQUIRE_LINE(online, bob, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE bob"));
    }

    void hostileInput_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("answer"); // "" = the line is ignored silently

        QTest::newRow("too long") << QByteArray("SAY ") + QByteArray(5000, 'x') + '\n'
                                  << "ERR 413 LINE_TOO_LONG ";
        QTest::newRow("too long, never ending then newline") << QByteArray(20000, 'y') + '\n'
                                                             << "ERR 413 LINE_TOO_LONG ";
        QTest::newRow("invalid utf-8")
            << QByteArray("SAY \xc3\x28 broken\n") << "ERR 415 BAD_ENCODING ";
        QTest::newRow("overlong utf-8") << QByteArray("SAY \xc0\xaf\n") << "ERR 415 BAD_ENCODING ";
        QTest::newRow("utf-16 surrogate")
            << QByteArray("SAY \xed\xa0\x80\n") << "ERR 415 BAD_ENCODING ";
        QTest::newRow("escape sequence")
            << QByteArray("SAY \x1b[2J\x1b[31mred\n") << "ERR 416 CONTROL_CHARS ";
        QTest::newRow("nul byte") << QByteArray("SAY a\0b\n", 8) << "ERR 416 CONTROL_CHARS ";
        QTest::newRow("c1 control") << QByteArray("SAYID c1 \xc2\x9b"
                                                  "31m\n")
                                    << "ERR 416 CONTROL_CHARS ";
        QTest::newRow("bidi override") << QByteArray("SAY abc \xe2\x80\xae"
                                                     "cba\n")
                                       << "ERR 416 CONTROL_CHARS ";
        QTest::newRow("bell") << QByteArray("SAY ding\a\n") << "ERR 416 CONTROL_CHARS ";
        QTest::newRow("unknown command")
            << QByteArray("FROBNICATE now\n") << "ERR 404 UNKNOWN_COMMAND ";
        QTest::newRow("server command")
            << QByteArray("MSG 1 2 3 4\n") << "ERR 404 UNKNOWN_COMMAND ";
        QTest::newRow("escape as command")
            << QByteArray("\x1b]0;title\a\n") << "ERR 404 UNKNOWN_COMMAND ";
        QTest::newRow("second hello")
            << QByteArray("HELLO mallory\n") << "ERR 409 ALREADY_REGISTERED ";
        QTest::newRow("say without text") << QByteArray("SAY\n") << "ERR 400 BAD_LINE ";
        QTest::newRow("who with words") << QByteArray("WHO is there\n") << "ERR 400 BAD_LINE ";
        QTest::newRow("ping without token") << QByteArray("PING\n") << "ERR 400 BAD_LINE ";
        QTest::newRow("cid too long") << QByteArray("SAYID ") + QByteArray(65, 'c') + " hi\n"
                                      << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("cid not ascii")
            << QByteArray("SAYID \xc3\xa9t\xc3\xa9 hi\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("history not a number")
            << QByteArray("HISTORY yesterday\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("history negative") << QByteArray("HISTORY -1\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("history out of range")
            << QByteArray("HISTORY 99999999999999999999\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("history max zero") << QByteArray("HISTORY 0 0\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("ping token too long") << QByteArray("PING ") + QByteArray(65, 'p') + '\n'
                                             << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("ping with two tokens") << QByteArray("PING a b\n") << "ERR 400 BAD_LINE ";
        QTest::newRow("ping token with a control character")
            << QByteArray("PING a\x01b\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("ping token not ascii")
            << QByteArray("PING \xc3\xa9\n") << "ERR 420 BAD_ARGUMENT ";
        QTest::newRow("empty line") << QByteArray("\n") << "";
        QTest::newRow("crlf empty line") << QByteArray("\r\n") << "";
        QTest::newRow("blanks") << QByteArray("   \t  \n") << "";
    }

    void hostileInput()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, answer);
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient mallory, alice, bob;
        QVERIFY(join(mallory, server, QStringLiteral("mallory")));
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));

        mallory.send(raw);
        const auto before = sync(mallory);
        QVERIFY2(before, "the server did not answer WHO after the bad input");
        const QStringList errors = before->filter(QRegularExpression(QStringLiteral("^ERR ")));
        if (answer.isEmpty()) {
            QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('|'))));
        } else {
            QCOMPARE(errors.size(), 1);
            QVERIFY2(errors.first().startsWith(answer), qPrintable(errors.first()));
            // The text after the name explains the refusal.
            QVERIFY(errors.first().size() > answer.size() + 5);
            QVERIFY(server.waitForLog(
                QRegularExpression(QStringLiteral(" error id=1 .*code=%1 ")
                                       .arg(answer.section(QLatin1Char(' '), 1, 1)))));
        }
        // Nothing was broadcast because of it, and everyone keeps chatting,
        // the sender included.
        const auto bobSaw = sync(bob);
        QVERIFY(bobSaw);
        QVERIFY2(bobSaw->filter(QStringLiteral("MSG ")).isEmpty(), qPrintable(bobSaw->join('|')));
        alice.sendLine(QStringLiteral("SAY still here"));
        REQUIRE_LINE(m1, bob, QStringLiteral("MSG 1 "));
        QVERIFY(m1.endsWith(QStringLiteral(" alice still here")));
        mallory.sendLine(QStringLiteral("SAY me too"));
        REQUIRE_LINE(m2, bob, QStringLiteral("MSG 2 "));
        QVERIFY(m2.endsWith(QStringLiteral(" mallory me too")));
        QVERIFY(!mallory.isClosed());
    }

    void commandsBeforeHello()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient c;
        QVERIFY(c.connectTo(server.port()));
        for (const char *line : {"SAY hi", "SAYID x hi", "HISTORY 0", "WHO"}) {
            c.sendLine(QString::fromLatin1(line));
            REQUIRE_LINE(err, c, QStringLiteral("ERR 401 NOT_REGISTERED "));
        }
        c.sendLine(QStringLiteral("PONG whatever")); // allowed, no answer
        c.sendLine(QStringLiteral("HELLO late"));
        REQUIRE_LINE(welcome, c, QStringLiteral("WELCOME late "));
        c.sendLine(QStringLiteral("QUIT"));
        REQUIRE_LINE(online, c, QStringLiteral("ONLINE late"));
        REQUIRE_LINE(bye, c, QStringLiteral("BYE "));
        QCOMPARE(bye, QStringLiteral("BYE quit"));
        QVERIFY(c.waitClosed());
    }

    // Issue 8, item 1: PASS to a server with no password used to index an
    // empty password and crash the process (SIGSEGV).
    void passWithoutServerPasswordKeepsServing()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        for (const char *pass : {"PASS x", "PASS", "PASS a much longer guess than any"}) {
            LineClient c;
            QVERIFY(c.connectTo(server.port()));
            c.sendLine(QString::fromLatin1(pass));
            c.sendLine(QStringLiteral("PING after-pass"));
            // A bare PASS is answered with ERR 400 first; the server lives on.
            QVERIFY2(c.waitFor(QStringLiteral("PONG after-pass")), qPrintable(c.skipped.join('|')));
            QVERIFY2(server.process().state() == QProcess::Running, qPrintable(server.logText()));
        }
        // A client that sends PASS first (as longline-cli --password-file
        // does) still registers on a server without a password.
        LineClient alice;
        QVERIFY(alice.connectTo(server.port()));
        alice.sendLine(QStringLiteral("PASS secret"));
        QVERIFY(!alice.hello(QStringLiteral("alice")).isEmpty());
        QCOMPARE(server.process().state(), QProcess::Running);
    }

    void randomGarbage()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--max-line"), QStringLiteral("256")}));
        LineClient mallory, alice;
        QVERIFY(join(mallory, server, QStringLiteral("mallory")));
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        REQUIRE_LINE(joined, mallory, QStringLiteral("JOIN "));
        QRandomGenerator rng(20261123);
        for (int round = 0; round < 20; ++round) {
            QByteArray junk(4096, '\0');
            for (char &b : junk)
                b = static_cast<char>(rng.bounded(256));
            mallory.send(junk + '\n');
        }
        // Nothing but errors, until the error budget closes the connection
        // (which 20 rounds of garbage exceed, with this seed).
        QVERIFY2(mallory.waitFor(QStringLiteral("BYE too many errors")),
                 qPrintable(mallory.skipped.join('|')));
        QVERIFY(!mallory.skipped.isEmpty());
        for (const QString &l : std::as_const(mallory.skipped))
            QVERIFY2(l.startsWith(QLatin1String("ERR ")), qPrintable(l));
        QVERIFY(mallory.waitClosed());
        REQUIRE_LINE(left, alice, QStringLiteral("LEAVE "));
        QVERIFY2(left.endsWith(QLatin1String(" mallory too many errors")), qPrintable(left));
        alice.sendLine(QStringLiteral("SAY the server survived"));
        REQUIRE_LINE(msg, alice, QStringLiteral("MSG 1 "));
        QCOMPARE(server.process().state(), QProcess::Running);
    }

    void rateLimit()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--rate"), QStringLiteral("3")}));
        LineClient alice;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        for (int i = 1; i <= 3; ++i) {
            alice.sendLine(QStringLiteral("SAY m%1").arg(i));
            REQUIRE_LINE(msg, alice, QStringLiteral("MSG %1 ").arg(i));
        }
        alice.sendLine(QStringLiteral("SAYID r4 m4"));
        REQUIRE_LINE(err, alice, QStringLiteral("ERR 430 RATE_LIMITED "));
        // Not accepted means not stored either.
        alice.sendLine(QStringLiteral("HISTORY 0"));
        REQUIRE_LINE(h1, alice, QStringLiteral("HIST 1 "));
        REQUIRE_LINE(h2, alice, QStringLiteral("HIST 2 "));
        REQUIRE_LINE(h3, alice, QStringLiteral("HIST 3 "));
        REQUIRE_LINE(end, alice, QStringLiteral("HISTEND "));
        QCOMPARE(end, QStringLiteral("HISTEND 3 0"));
    }

    void duplicateSayIdIsAckedNotRepeated()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, bob;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(joined, alice, QStringLiteral("JOIN "));

        alice.sendLine(QStringLiteral("SAYID c1 once only"));
        REQUIRE_LINE(ack1, alice, QStringLiteral("ACK "));
        QCOMPARE(ack1, QStringLiteral("ACK c1 1"));
        REQUIRE_LINE(m1, alice, QStringLiteral("MSG 1 "));
        REQUIRE_LINE(b1, bob, QStringLiteral("MSG 1 "));

        alice.sendLine(QStringLiteral("SAYID c1 once only"));
        REQUIRE_LINE(ack2, alice, QStringLiteral("ACK "));
        QCOMPARE(ack2, QStringLiteral("ACK c1 1"));
        const auto aliceAfter = sync(alice);
        QVERIFY(aliceAfter);
        QVERIFY2(aliceAfter->isEmpty(), qPrintable(aliceAfter->join('|')));
        const auto bobAfter = sync(bob);
        QVERIFY(bobAfter);
        QVERIFY2(bobAfter->isEmpty(), qPrintable(bobAfter->join('|')));

        // Ids belong to a nick: bob may use "c1" too.
        bob.sendLine(QStringLiteral("SAYID c1 mine"));
        REQUIRE_LINE(ack3, bob, QStringLiteral("ACK "));
        QCOMPARE(ack3, QStringLiteral("ACK c1 2"));
        // And a new id from alice is a new message.
        alice.sendLine(QStringLiteral("SAYID c2 again"));
        REQUIRE_LINE(m2, alice, QStringLiteral("MSG 2 "));
        REQUIRE_LINE(ack4, alice, QStringLiteral("ACK "));
        QCOMPARE(ack4, QStringLiteral("ACK c2 3"));
    }

    void pingAbuseEndsWithTooManyPings()
    {
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient spammer, bob;
        QVERIFY(join(spammer, server, QStringLiteral("spammer")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(joined, spammer, QStringLiteral("JOIN "));
        spammer.sendLine(QStringLiteral("PING p1"));
        REQUIRE_LINE(pong, spammer, QStringLiteral("PONG p1"));
        spammer.sendLine(QStringLiteral("PING p2")); // one early PING is forgiven
        REQUIRE_LINE(pong2, spammer, QStringLiteral("PONG p2"));
        for (int i = 3; i <= 5; ++i) {
            spammer.sendLine(QStringLiteral("PING p%1").arg(i));
            REQUIRE_LINE(err, spammer, QStringLiteral("ERR 429 PING_TOO_FAST "));
        }
        REQUIRE_LINE(bye, spammer, QStringLiteral("BYE "));
        QCOMPARE(bye, QStringLiteral("BYE too_many_pings"));
        QVERIFY(spammer.waitClosed());
        REQUIRE_LINE(leave, bob, QStringLiteral("LEAVE "));
        QVERIFY(leave.endsWith(QStringLiteral(" spammer too_many_pings")));
        QVERIFY(server.waitForLog(
            QRegularExpression(QStringLiteral(" disconnect .*nick=spammer .*too_many_pings"))));
    }

    void connectionLimits_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("max-clients")
            << QStringList{QStringLiteral("--max-clients"), QStringLiteral("2")};
        QTest::newRow("max-per-address")
            << QStringList{QStringLiteral("--max-per-address"), QStringLiteral("2")};
    }

    void connectionLimits()
    {
        QFETCH(QStringList, args);
        ServerProcess server;
        QVERIFY(server.startDefault(args));
        LineClient a, b, c;
        QVERIFY(join(a, server, QStringLiteral("a")));
        QVERIFY(join(b, server, QStringLiteral("b")));
        QVERIFY(c.connectTo(server.port()));
        REQUIRE_LINE(full, c, QStringLiteral("ERR 503 SERVER_FULL "));
        REQUIRE_LINE(bye, c, QStringLiteral("BYE "));
        QVERIFY(c.waitClosed());
        QVERIFY(server.waitForLog(QRegularExpression(QStringLiteral(" reject .*code=503"))));
        // The ones inside are unaffected, and a freed slot can be taken.
        a.sendLine(QStringLiteral("QUIT"));
        QVERIFY(a.waitClosed());
        QVERIFY(server.waitForLog(QRegularExpression(QStringLiteral(" disconnect id=1 "))));
        LineClient d;
        QVERIFY(join(d, server, QStringLiteral("d")));
        d.sendLine(QStringLiteral("SAY in"));
        REQUIRE_LINE(leave, b, QStringLiteral("LEAVE "));
        REQUIRE_LINE(joined, b, QStringLiteral("JOIN "));
        REQUIRE_LINE(msg, b, QStringLiteral("MSG 1 "));
        QVERIFY(msg.endsWith(QStringLiteral(" d in")));
    }

    void slowSenderIsDropped()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--line-timeout"), QStringLiteral("0.5")}));
        LineClient slow, bob;
        QVERIFY(join(slow, server, QStringLiteral("slow")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(joined, slow, QStringLiteral("JOIN "));
        // A byte every 100 ms keeps the connection busy but never ends the
        // line: the line timer does not restart on bytes, only on newlines.
        QElapsedTimer t;
        t.start();
        QTimer trickle;
        QObject::connect(&trickle, &QTimer::timeout, [&] {
            if (!slow.isClosed())
                slow.send("x");
        });
        slow.send("SAY never ending ");
        trickle.start(100);
        REQUIRE_LINE(err, slow, QStringLiteral("ERR 400 BAD_LINE "));
        REQUIRE_LINE(bye, slow, QStringLiteral("BYE "));
        QCOMPARE(bye, QStringLiteral("BYE line timeout"));
        QVERIFY(slow.waitClosed());
        trickle.stop();
        QVERIFY2(t.elapsed() >= 450 && t.elapsed() < 3000,
                 qPrintable(QString::number(t.elapsed())));
        REQUIRE_LINE(leave, bob, QStringLiteral("LEAVE "));
        QVERIFY(leave.endsWith(QStringLiteral(" slow line timeout")));
    }

    // PROBE (finding a NAT's idle timeout): the server speaks first after
    // the delay, and nothing crosses the connection before that: no
    // heartbeat PING, no kernel keepalive probe. Such a connection never
    // registers and ends after its answer; the delay is bounded.
    void probeSpeaksFirstAfterSilence()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--heartbeat"), QStringLiteral("0.2,5"),
                                     QStringLiteral("--keepalive"), QStringLiteral("1,1,3"),
                                     QStringLiteral("--max-probe-delay"), QStringLiteral("5")}));
        // The server's side of a connection, as ss shows it.
        auto serverSocket = [&] {
            QProcess ss;
            ss.start(QStringLiteral("ss"), {QStringLiteral("-tioH"), QStringLiteral("state"),
                                            QStringLiteral("established"),
                                            QStringLiteral("( sport = :%1 )").arg(server.port())});
            ss.waitForFinished(WaitMs);
            return QString::fromUtf8(ss.readAllStandardOutput());
        };
        LineClient probe;
        probe.autoPong = false; // a PING must show
        QVERIFY(probe.connectTo(server.port()));
        QTRY_VERIFY_WITH_TIMEOUT(serverSocket().contains(QLatin1String("timer:(keepalive")),
                                 WaitMs);
        QElapsedTimer t;
        t.start();
        probe.sendLine(QStringLiteral("PROBE p1 700"));
        QTest::qWait(300);
        QVERIFY2(!serverSocket().contains(QLatin1String("timer:(keepalive")),
                 qPrintable(serverSocket()));
        const auto answer = probe.next(3000);
        QCOMPARE(answer.value_or(QStringLiteral("<nothing>")), QStringLiteral("PROBED p1"));
        QVERIFY2(t.elapsed() >= 650, qPrintable(QString::number(t.elapsed())));
        // The connection lingers, silent, so a client whose answer did not
        // come can still get through once (a PING gets its PONG)...
        probe.sendLine(QStringLiteral("PING late"));
        REQUIRE_LINE(pong, probe, QStringLiteral("PONG late"));
        // ...and then one probe per connection: the answer ends it.
        const auto bye = probe.next(8000);
        QCOMPARE(bye.value_or(QStringLiteral("<nothing>")), QStringLiteral("BYE probe answered"));
        QVERIFY2(t.elapsed() >= 650 + 4500, qPrintable(QString::number(t.elapsed())));
        QVERIFY(probe.waitClosed());
        // While a probe waits: no HELLO, no second PROBE.
        LineClient waiting;
        waiting.autoPong = false;
        QVERIFY(waiting.connectTo(server.port()));
        waiting.send("PROBE p2 500\nHELLO prober\nPROBE p3 100\n");
        REQUIRE_LINE(refused, waiting, QStringLiteral("ERR 409 "));
        REQUIRE_LINE(busy, waiting, QStringLiteral("ERR 430 "));
        REQUIRE_LINE(second, waiting, QStringLiteral("PROBED p2"));

        LineClient other;
        QVERIFY(other.connectTo(server.port()));
        other.sendLine(QStringLiteral("PROBE x 6000"));
        REQUIRE_LINE(tooLong, other, QStringLiteral("ERR 420 "));
        other.sendLine(QStringLiteral("PROBE x 0"));
        REQUIRE_LINE(zero, other, QStringLiteral("ERR 420 "));
        LineClient member;
        QVERIFY(join(member, server, QStringLiteral("member")));
        member.sendLine(QStringLiteral("PROBE y 100"));
        REQUIRE_LINE(registered, member, QStringLiteral("ERR 409 "));
        // A probe is nobody: the room never heard of it.
        member.sendLine(QStringLiteral("WHO"));
        REQUIRE_LINE(online, member, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE member"));
    }

    void slowReaderIsDropped()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--max-output"), QStringLiteral("65536"),
                                     QStringLiteral("--rate"), QStringLiteral("0")}));
        LineClient writer, reader;
        // A small receive buffer: the kernel holds little for the reader.
        reader.socket().setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        QVERIFY(join(writer, server, QStringLiteral("writer")));
        QVERIFY(join(reader, server, QStringLiteral("reader")));
        REQUIRE_LINE(joined, writer, QStringLiteral("JOIN "));
        // The reader stops reading; the writer's messages pile up for it.
        reader.socket().setReadBufferSize(1);
        QObject::disconnect(&reader.socket(), &QTcpSocket::readyRead, nullptr, nullptr);
        const QString big(3900, QLatin1Char('z'));
        QByteArray burst;
        for (int i = 0; i < 20; ++i)
            burst += "SAY " + big.toUtf8() + '\n';
        QTimer pump;
        int bursts = 0;
        QObject::connect(&pump, &QTimer::timeout, [&] {
            if (++bursts <= 500) // at most 40 MB: the drop comes long before
                writer.send(burst);
        });
        pump.start(20);
        const auto dropped = server.waitForLog(
            QRegularExpression(QStringLiteral(" slow_reader id=2 .*nick=reader")), 30000);
        pump.stop();
        QVERIFY2(dropped, "the server kept queueing output for a client that never reads");
        QVERIFY(server.waitForLog(QRegularExpression(
            QStringLiteral(" disconnect id=2 .*cause=local_close .*slow reader"))));
        const auto leave = writer.waitFor(QStringLiteral("LEAVE "), 20000);
        QVERIFY(leave);
        QVERIFY2(leave->endsWith(QStringLiteral(" reader slow reader")), qPrintable(*leave));
        writer.sendLine(QStringLiteral("PING still-up"));
        QVERIFY(writer.waitFor(QStringLiteral("PONG still-up"), 20000));
    }
};

QTEST_GUILESS_MAIN(TestServerProtocol)
#include "tst_server_protocol.moc"
