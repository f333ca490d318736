#include "rttstats.h"

#include <QTest>
#include <cmath>

using longline::RttStats;

class TestRttStats : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptyHasNoSamples()
    {
        RttStats s;
        QVERIFY(s.isEmpty());
        QCOMPARE(s.summary().count, 0);
    }
    void knownSeries()
    {
        RttStats s;
        for (int i = 1; i <= 20; ++i)
            s.add(i);
        const auto sum = s.summary();
        QCOMPARE(sum.count, 20);
        QCOMPARE(sum.lastMs, 20.0);
        QCOMPARE(sum.medianMs, 10.5);
        QCOMPARE(sum.p95Ms, 19.0); // nearest rank: ceil(0.95 * 20) = 19th
        QCOMPARE(sum.maxMs, 20.0);
        QVERIFY(std::abs(sum.stddevMs - std::sqrt(33.25)) < 1e-9);
    }
    void windowDropsOldSamplesButCountsAll()
    {
        RttStats s(4);
        for (double v : {100.0, 1.0, 2.0, 3.0, 4.0})
            s.add(v);
        const auto sum = s.summary();
        QCOMPARE(sum.count, 4);
        QCOMPARE(sum.total, 5);
        QCOMPARE(sum.maxMs, 4.0); // the 100 ms outlier left the window
    }
    void lastIsNotTheMedian()
    {
        // A lag meter that shows only the last sample hides the spread.
        RttStats s;
        for (double v : {10.0, 10.0, 10.0, 200.0})
            s.add(v);
        const auto sum = s.summary();
        QCOMPARE(sum.lastMs, 200.0);
        QCOMPARE(sum.medianMs, 10.0);
        QCOMPARE(sum.p95Ms, 200.0);
    }
    void rejectsNonsense()
    {
        RttStats s;
        s.add(-1);
        s.add(std::nan(""));
        QVERIFY(s.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRttStats)
#include "tst_rttstats.moc"
