// The client's bounded structures on their own: the pacer that mirrors the
// server's rate limit, and the presence list.

#include "presencelist.h"
#include "sendpacer.h"

#include <QtTest>

using namespace longline;
using namespace std::chrono_literals;

class TestClientStructures : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void pacerAllowsTheRateThenWaitsForTheWindow()
    {
        SendPacer pacer;
        pacer.configure(3, 1000ms);
        const Millis t0{100000};
        QVERIFY(pacer.tryAcquire(t0));
        QVERIFY(pacer.tryAcquire(t0 + 10ms));
        QVERIFY(pacer.tryAcquire(t0 + 20ms));
        QVERIFY(!pacer.tryAcquire(t0 + 30ms));
        // The first send leaves the window (plus the margin) at t0 + 1.25 s.
        QCOMPARE(pacer.waitTime(t0 + 30ms), 1000ms + SendPacer::Margin - 30ms);
        QVERIFY(!pacer.tryAcquire(t0 + 1000ms + SendPacer::Margin - 1ms));
        QVERIFY(pacer.tryAcquire(t0 + 1000ms + SendPacer::Margin));
        QVERIFY(!pacer.tryAcquire(t0 + 1000ms + SendPacer::Margin));
        QCOMPARE(pacer.waitTime(t0 + 1000ms + SendPacer::Margin), 10ms);
    }

    void pacerUnlimitedAndCapped()
    {
        SendPacer pacer;
        pacer.configure(0, 1000ms);
        for (int i = 0; i < 100000; ++i)
            QVERIFY(pacer.tryAcquire(Millis{i}));
        QCOMPARE(pacer.waitTime(Millis{0}), 0ms);
        // An absurd announced rate is tracked as at most MaxTracked sends.
        pacer.configure(1 << 30, 1000ms);
        QCOMPARE(pacer.maxMessages(), SendPacer::MaxTracked);
    }

    void presenceIsSortedUniqueAndCapped()
    {
        PresenceList list(3);
        QCOMPARE(list.add(QStringLiteral("bob")), PresenceList::AddResult::Added);
        QCOMPARE(list.add(QStringLiteral("Alice")), PresenceList::AddResult::Added);
        QCOMPARE(list.add(QStringLiteral("bob")), PresenceList::AddResult::AlreadyPresent);
        QCOMPARE(list.add(QStringLiteral("carol")), PresenceList::AddResult::Added);
        QCOMPARE(list.add(QStringLiteral("dave")), PresenceList::AddResult::Full);
        QCOMPARE(list.toList(), (QStringList{QStringLiteral("Alice"), QStringLiteral("bob"),
                                             QStringLiteral("carol")}));
        QVERIFY(list.remove(QStringLiteral("bob")));
        QVERIFY(!list.remove(QStringLiteral("bob")));
        QCOMPARE(list.reset({QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z"),
                             QStringLiteral("w")}),
                 1);
        QCOMPARE(list.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestClientStructures)
#include "tst_client_structures.moc"
