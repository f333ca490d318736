#include "lineframer.h"

#include <QTest>

using longline::LineFramer;

class TestLineFramer : public QObject
{
    Q_OBJECT
    static QList<LineFramer::Item> drain(LineFramer &f)
    {
        QList<LineFramer::Item> out;
        while (auto item = f.next())
            out.append(*item);
        return out;
    }
private Q_SLOTS:
    void splitsLinesAcrossChunks()
    {
        LineFramer f(100);
        f.feed("HEL");
        QVERIFY(!f.next());
        f.feed("LO a\nSAY x\nPAR");
        const auto items = drain(f);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].text, QStringLiteral("HELLO a"));
        QCOMPARE(items[1].text, QStringLiteral("SAY x"));
        QCOMPARE(f.pendingBytes(), 3);
        f.feed("T\n");
        QCOMPARE(drain(f).value(0).text, QStringLiteral("PART"));
    }
    void acceptsCrLf()
    {
        LineFramer f(100);
        f.feed("PING a\r\nPING b\n");
        const auto items = drain(f);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].text, QStringLiteral("PING a"));
        QCOMPARE(items[1].text, QStringLiteral("PING b"));
    }
    void exactLimitPassesOneMoreFails()
    {
        LineFramer f(5);
        f.feed("12345\n123456\n12345\r\n");
        const auto items = drain(f);
        QCOMPARE(items.size(), 3);
        QCOMPARE(items[0].status, LineFramer::Status::Line);
        QCOMPARE(items[1].status, LineFramer::Status::TooLong);
        QCOMPARE(items[2].status, LineFramer::Status::Line);
        QCOMPARE(items[2].text, QStringLiteral("12345"));
    }
    void overlongLineIsSkippedAndReportedOnceWithBoundedMemory()
    {
        LineFramer f(16);
        for (int i = 0; i < 1000; ++i) {
            f.feed(QByteArray(1024, 'x'));
            QVERIFY(!f.next());
            QVERIFY(f.pendingBytes() <= 16 + 1);
        }
        QVERIFY(f.discarding());
        f.feed("tail\nSAY ok\n");
        const auto items = drain(f);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].status, LineFramer::Status::TooLong);
        QCOMPARE(items[0].rawSize, 1000 * 1024 + 4);
        QCOMPARE(items[1].text, QStringLiteral("SAY ok"));
    }
    void badUtf8IsReportedAndStreamContinues()
    {
        LineFramer f(100);
        f.feed("SAY \xff\xfe\nSAY \xc3\xa9\n");
        const auto items = drain(f);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].status, LineFramer::Status::BadUtf8);
        QCOMPARE(items[1].text, QStringLiteral("SAY \u00e9"));
    }
    void utf8Validator_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("valid");
        QTest::newRow("ascii") << QByteArray("abc") << true;
        QTest::newRow("cjk") << QStringLiteral("中文").toUtf8() << true;
        QTest::newRow("emoji") << QByteArray("\xf0\x9f\x98\x80") << true;
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << false;
        QTest::newRow("overlong 3") << QByteArray("\xe0\x80\xaf") << false;
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
        QTest::newRow("above max") << QByteArray("\xf4\x90\x80\x80") << false;
        QTest::newRow("truncated") << QByteArray("\xe4\xb8") << false;
        QTest::newRow("lone continuation") << QByteArray("\x80") << false;
        QTest::newRow("nul is valid utf8") << QByteArray("a\0b", 3) << true;
    }
    void utf8Validator()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, valid);
        QCOMPARE(LineFramer::isValidUtf8(bytes.constData(), bytes.size()), valid);
    }
    void emptyLinesArePassedThrough()
    {
        LineFramer f(10);
        f.feed("\n\r\n");
        const auto items = drain(f);
        QCOMPARE(items.size(), 2);
        QVERIFY(items[0].text.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLineFramer)
#include "tst_lineframer.moc"
