#include "nickskeleton.h"
#include "protocol.h"

#include <QTest>

using namespace longline;
using namespace longline::protocol;

class TestProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void commandsAreCaseInsensitive()
    {
        const auto r = parse(QStringLiteral("hello alice"));
        QVERIFY(r.ok());
        QCOMPARE(r.line->command, QStringLiteral("HELLO"));
        QCOMPARE(r.line->words, QList<QString>{QStringLiteral("alice")});
    }
    void sayKeepsSpacesInText()
    {
        const auto r = parse(QStringLiteral("SAY   hello   big  world "));
        QVERIFY(r.ok());
        QCOMPARE(r.line->text, QStringLiteral("hello   big  world "));
        QVERIFY(r.line->words.isEmpty());
    }
    void sayWithoutTextIsBadLine()
    {
        const auto r = parse(QStringLiteral("SAY"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->code, ErrorCode::BadLine);
    }
    void sayIdSplitsIdAndText()
    {
        const auto r = parse(QStringLiteral("SAYID m-1 did this arrive?"));
        QVERIFY(r.ok());
        QCOMPARE(r.line->words.value(0), QStringLiteral("m-1"));
        QCOMPARE(r.line->text, QStringLiteral("did this arrive?"));
    }
    void extraWordsAreRejected()
    {
        const auto r = parse(QStringLiteral("PING a b"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->code, ErrorCode::BadLine);
        // WHO takes one word at most: the nick a page of ONLINE starts after.
        QVERIFY(parse(QStringLiteral("WHO me")).ok());
        QVERIFY(!parse(QStringLiteral("WHO me you")).ok());
        QVERIFY(parse(QStringLiteral("MEMBERS 19500")).ok());
        QVERIFY(!parse(QStringLiteral("MEMBERS")).ok());
        QVERIFY(!parse(QStringLiteral("HELLO")).ok());
    }
    void unknownCommandKeepsItsName()
    {
        const auto r = parse(QStringLiteral("FROB x y"));
        QVERIFY(r.ok());
        QCOMPARE(r.line->command, QStringLiteral("FROB"));
        QCOMPARE(r.line->words.size(), 2);
    }
    void emptyLineIsBad() { QVERIFY(!parse(QStringLiteral("   ")).ok()); }
    void chatMessageRoundTrip()
    {
        ChatMessage m;
        m.seq = 42;
        m.time = QDateTime(QDate(2026, 11, 23), QTime(21, 50, 0, 123), Qt::UTC);
        m.nick = QStringLiteral("李雷");
        m.text = QStringLiteral("你好, world  with  spaces");
        const QByteArray wire = msg(m);
        QVERIFY(wire.endsWith('\n'));
        QCOMPARE(wire,
                 QStringLiteral("MSG 42 2026-11-23T21:50:00.123Z 李雷 你好, world  with  spaces\n")
                     .toUtf8());
        const auto r = parse(QString::fromUtf8(wire.chopped(1)));
        QVERIFY(r.ok());
        const auto back = parseChatMessage(*r.line);
        QVERIFY(back);
        QCOMPARE(back->seq, 42);
        QCOMPARE(back->time, m.time);
        QCOMPARE(back->nick, m.nick);
        QCOMPARE(back->text, m.text);
    }
    void chatMessageRejectsBadSeqAndTime()
    {
        auto r = parse(QStringLiteral("MSG x 2026-11-23T21:50:00.123Z bob hi"));
        QVERIFY(r.ok());
        QVERIFY(!parseChatMessage(*r.line));
        r = parse(QStringLiteral("MSG 1 yesterday bob hi"));
        QVERIFY(!parseChatMessage(*r.line));
    }
    void welcomeRoundTrip()
    {
        WelcomeInfo w;
        w.nick = QStringLiteral("alice");
        w.server = QStringLiteral("longline/0.1.0");
        w.seq = 7;
        w.heartbeatOn = true;
        w.heartbeatIntervalS = 1.5;
        w.heartbeatTimeoutS = 10;
        w.minPingS = 1;
        w.maxLine = 4096;
        w.maxHistory = 500;
        w.session = QStringLiteral("abc123");
        const QByteArray wire = welcome(w);
        QCOMPARE(wire, QByteArray("WELCOME alice server=longline/0.1.0 seq=7 hb=1.5,10 minping=1 "
                                  "maxline=4096 maxhist=500 session=abc123\n"));
        const auto back = parseWelcome(*parse(QString::fromUtf8(wire.chopped(1))).line);
        QVERIFY(back);
        QCOMPARE(back->seq, 7);
        QVERIFY(back->heartbeatOn);
        QCOMPARE(back->heartbeatIntervalS, 1.5);
        QCOMPARE(back->session, QStringLiteral("abc123"));
        QCOMPARE(back->maxLine, 4096);
    }
    void welcomeRate()
    {
        WelcomeInfo w;
        w.nick = QStringLiteral("alice");
        w.rateAnnounced = true;
        w.rateMessages = 50;
        w.rateWindowS = 10;
        const QByteArray wire = welcome(w);
        QVERIFY2(wire.contains(" rate=50/10"), wire.constData());
        auto back = parseWelcome(*parse(QString::fromUtf8(wire.chopped(1))).line);
        QVERIFY(back && back->rateAnnounced);
        QCOMPARE(back->rateMessages, 50);
        QCOMPARE(back->rateWindowS, 10.0);
        w.rateMessages = 0;
        QVERIFY(welcome(w).contains(" rate=off"));
        back = parseWelcome(*parse(QStringLiteral("WELCOME bob rate=off")).line);
        QVERIFY(back && back->rateAnnounced);
        QCOMPARE(back->rateMessages, 0);
        // Absent or malformed: not announced, the client uses its default.
        for (const char *line :
             {"WELCOME bob hb=off", "WELCOME bob rate=50", "WELCOME bob rate=x/10",
              "WELCOME bob rate=0/10", "WELCOME bob rate=5/0", "WELCOME bob rate=5/-1"}) {
            back = parseWelcome(*parse(QString::fromLatin1(line)).line);
            QVERIFY(back);
            QVERIFY2(!back->rateAnnounced, line);
        }
    }
    void welcomeHeartbeatOff()
    {
        const auto back =
            parseWelcome(*parse(QStringLiteral("WELCOME bob hb=off futurekey=1")).line);
        QVERIFY(back);
        QVERIFY(!back->heartbeatOn);
    }
    void errorLine()
    {
        QCOMPARE(error(ErrorCode::NickTaken, QStringLiteral("nick alice is in use")),
                 QByteArray("ERR 422 NICK_TAKEN nick alice is in use\n"));
        QCOMPARE(errorCodeFromNumber(429), std::optional<ErrorCode>(ErrorCode::PingTooFast));
        QVERIFY(!errorCodeFromNumber(999));
    }
    void nickRules_data()
    {
        QTest::addColumn<QString>("nick");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "alice" << true;
        QTest::newRow("punct") << "a_b-c.d" << true;
        QTest::newRow("cjk") << QStringLiteral("韩梅梅") << true;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("colon") << "a:b" << false;
        QTest::newRow("esc") << "a\x1b[31m" << false;
        QTest::newRow("24") << QString(24, QLatin1Char('x')) << true;
        QTest::newRow("25") << QString(25, QLatin1Char('x')) << false;
        QTest::newRow("cyrillic") << QStringLiteral("\u0431\u043e\u0440\u0438\u0441") << true;
        QTest::newRow("greek") << QStringLiteral("\u03b1\u03bb\u03c6\u03b1") << true;
        QTest::newRow("japanese mix") << QStringLiteral("\u5c71\u7530\u305f\u308d\u3046") << true;
        QTest::newRow("latin and han") << QStringLiteral("li\u96f7") << true;
        QTest::newRow("accented nfc") << QStringLiteral("z\u00f6e") << true;
        QTest::newRow("latin + cyrillic a") << QStringLiteral("\u0430lice") << false;
        QTest::newRow("latin + greek o") << QStringLiteral("b\u03bfb") << false;
        QTest::newRow("cyrillic + greek") << QStringLiteral("\u0431\u03bb") << false;
        QTest::newRow("hangul filler") << QStringLiteral("\u3164") << false;
        QTest::newRow("choseong filler") << QStringLiteral("a\u115f") << false;
        QTest::newRow("jungseong filler") << QStringLiteral("a\u1160") << false;
        QTest::newRow("halfwidth filler") << QStringLiteral("a\uffa0") << false;
        QTest::newRow("zwsp") << QStringLiteral("a\u200bb") << false;
        QTest::newRow("lrm") << QStringLiteral("a\u200e") << false;
        QTest::newRow("word joiner") << QStringLiteral("a\u2060") << false;
        QTest::newRow("invisible plus") << QStringLiteral("a\u2064") << false;
        QTest::newRow("bom") << QStringLiteral("\ufeffa") << false;
        QTest::newRow("variation selector") << QStringLiteral("a\ufe0f") << false;
        QTest::newRow("combining only") << QStringLiteral("\u0301") << false;
        QTest::newRow("decomposed accent") << QStringLiteral("zo\u0308e") << false;
        QTest::newRow("fullwidth") << QStringLiteral("\uff41\uff42") << false;
        QTest::newRow("math bold") << QStringLiteral("\U0001d41a\U0001d41b") << false;
        QTest::newRow("circled") << QStringLiteral("\u24d0b") << false;
    }
    void nickRules()
    {
        QFETCH(QString, nick);
        QFETCH(bool, valid);
        QString why;
        QCOMPARE(isValidNick(nick, &why), valid);
        QCOMPARE(why.isEmpty(), valid);
    }
    void skeletons_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<bool>("same");
        QTest::newRow("case") << "Bob"
                              << "bOB" << true;
        QTest::newRow("capital I and l") << "aIice"
                                         << "alice" << true;
        QTest::newRow("digits") << "b0b1"
                                << "bobl" << true;
        QTest::newRow("rn and m") << "rnary"
                                  << "mary" << true;
        QTest::newRow("cyrillic cop") << QStringLiteral("\u0441\u043e\u0440") << "cop" << true;
        QTest::newRow("cyrillic capitals") << QStringLiteral("\u0412\u041e\u0412") << "bob" << true;
        QTest::newRow("greek capitals") << QStringLiteral("\u0391\u0392\u0395") << "abe" << true;
        QTest::newRow("cyrillic yo and e diaeresis")
            << QStringLiteral("\u0451") << QStringLiteral("\u00eb") << true;
        QTest::newRow("fullwidth")
            << QStringLiteral("\uff41\uff4c\uff49\uff43\uff45") << "alice" << true;
        QTest::newRow("math script") << QStringLiteral("\U0001d4b6lice") << "alice" << true;
        QTest::newRow("different") << "alice"
                                   << "alicia" << false;
        QTest::newRow("i is not l") << "alice"
                                    << "allce" << false;
        QTest::newRow("cyrillic boris")
            << QStringLiteral("\u0431\u043e\u0440\u0438\u0441") << "bopnc" << false;
    }
    void skeletons()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(bool, same);
        QCOMPARE(nickSkeleton(a) == nickSkeleton(b), same);
    }
    void commandsAreAscii()
    {
        QCOMPARE(parse(QStringLiteral("say hi")).line->command, QStringLiteral("SAY"));
        // U+017F upper-cases to 'S' in Unicode; it must not spell SAY.
        const ParseResult longS = parse(QStringLiteral("\u017fay hi"));
        QVERIFY(longS.ok());
        QCOMPARE(longS.line->command, QStringLiteral("\u017fAY"));
        QVERIFY(longS.line->text.isEmpty()); // parsed as unknown: words only
        QCOMPARE(parse(QStringLiteral("\u3000SAY hi")).line->command, QStringLiteral("\u3000SAY"));
        // Turkish dotless i and Kelvin sign are no ASCII either.
        QCOMPARE(parse(QStringLiteral("\u0131nfo")).line->command, QStringLiteral("\u0131NFO"));
    }
    void controlCharacters()
    {
        QVERIFY(!hasControlChars(QStringLiteral("tab\tis fine, 中文 too")));
        QVERIFY(hasControlChars(QStringLiteral("bell\a")));
        QVERIFY(hasControlChars(QStringLiteral("esc \x1b[2J")));
        QVERIFY(hasControlChars(QString(QChar(0))));
        QVERIFY(hasControlChars(QString(QChar(0x9b))));   // C1 CSI
        QVERIFY(hasControlChars(QString(QChar(0x202e)))); // RTL override
        QCOMPARE(sanitizeForDisplay(QStringLiteral("a\x1b[31mb")), QStringLiteral("a\uFFFD[31mb"));
    }
    void seqParsing()
    {
        QCOMPARE(parseSeq(QStringLiteral("0")), std::optional<qint64>(0));
        QCOMPARE(parseSeq(QStringLiteral("9223372036854775807")),
                 std::optional<qint64>(9223372036854775807LL));
        QVERIFY(!parseSeq(QStringLiteral("9223372036854775808")));
        QVERIFY(!parseSeq(QStringLiteral("-1")));
        QVERIFY(!parseSeq(QStringLiteral("+1")));
        QVERIFY(!parseSeq(QStringLiteral("1e3")));
        QVERIFY(!parseSeq(QStringLiteral("99999999999999999999999")));
    }
    void tokens()
    {
        QVERIFY(isValidToken(QStringLiteral("h1")));
        QVERIFY(!isValidToken(QString()));
        QVERIFY(!isValidToken(QString(65, QLatin1Char('a'))));
        QVERIFY(!isValidToken(QStringLiteral("ü")));
    }
    void pingAndPongLines()
    {
        QCOMPARE(pong(u"tok-42!"), QByteArray("PONG tok-42!\n"));
        QCOMPARE(ping(QStringLiteral("a")), QByteArray("PING a\n"));
        // The builder also takes what is not ASCII (a client answers any
        // token it was sent): UTF-8, from the first such character on.
        QCOMPARE(pong(u"ab\u00e9c"), QByteArray("PONG ab\xc3\xa9"
                                                "c\n"));
        QCOMPARE(pong(u"\u4e2d"), QByteArray("PONG \xe4\xb8\xad\n"));
    }

    void historyAndQuitFormatting()
    {
        QCOMPARE(historyRequest(5), QByteArray("HISTORY 5\n"));
        QCOMPARE(historyRequest(5, 20), QByteArray("HISTORY 5 20\n"));
        QCOMPARE(quit(), QByteArray("QUIT\n"));
        QCOMPARE(quit(QStringLiteral("bye now")), QByteArray("QUIT bye now\n"));
        QCOMPARE(hello(QStringLiteral("al"), QStringLiteral("k1")), QByteArray("HELLO al k1\n"));
        QVERIFY(parse(QStringLiteral("HELLO al k1")).ok());
        QCOMPARE(histEnd(9, true), QByteArray("HISTEND 9 1\n"));
    }

    void constantTimeEquals()
    {
        using protocol::constantTimeEquals;
        QVERIFY(constantTimeEquals("secret", "secret"));
        QVERIFY(!constantTimeEquals("secreT", "secret"));
        QVERIFY(!constantTimeEquals("secret-and-more", "secret"));
        QVERIFY(!constantTimeEquals("sec", "secret"));
        // An empty expected value matches only an empty guess, and never
        // reads outside either buffer.
        QVERIFY(!constantTimeEquals("x", QByteArray()));
        QVERIFY(constantTimeEquals(QByteArray(), QByteArray()));
        QVERIFY(!constantTimeEquals(QByteArray(), "x"));
    }
};

QTEST_GUILESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
