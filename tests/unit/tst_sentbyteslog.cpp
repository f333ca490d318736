// SentBytesLog dates the data in flight from the kernel's count of bytes
// acknowledged: the arithmetic on chosen counts, then the count itself
// from a real loopback connection.

#include "kernelsocketview.h"

#include <QElapsedTimer>
#include <QTest>

#if defined(Q_OS_LINUX)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace longline;
using namespace std::chrono_literals;

class TestSentBytesLog : public QObject
{
    Q_OBJECT

    // What the kernel says at a verdict: the last ACK came `sinceAck` ago.
    static KernelSocketView view(Millis sinceAck, quint32 unacked = 1)
    {
        KernelSocketView v;
        v.valid = true;
        v.lastAckRecvMs = static_cast<quint32>(sinceAck.count());
        v.rttUs = 0; // the bound adds 1 ms for the round trip
        v.unacked = unacked;
        return v;
    }

private Q_SLOTS:
    void nothingInFlightIsNoDate()
    {
        SentBytesLog log;
        QVERIFY(!log.elapsed(5000ms, 0, view(10ms, 0)));
        log.noteSent(1000ms, 100);
        QCOMPARE(log.sent(), quint64(100));
        QVERIFY(!log.elapsed(5000ms, 100, view(10ms, 0)));
        // A FIN acknowledged counts one more than the data.
        QVERIFY(!log.elapsed(5000ms, 101, view(10ms, 0)));
    }

    void aWriteAfterIdleIsDatedFromItselfNotFromTheLastAck()
    {
        // The story of a silent cut: PONGs acknowledged, a long quiet, then a
        // heartbeat PING that is never acknowledged. The last ACK is 4 s old;
        // the wait began 1.5 s ago.
        SentBytesLog log;
        log.noteSent(1000ms, 100);
        log.noteSent(5000ms, 20);
        QCOMPARE(*log.elapsed(6500ms, 100, view(4000ms)), 1500ms);
    }

    void theOldestWriteNotAcknowledgedCounts()
    {
        SentBytesLog log;
        log.noteSent(1000ms, 100);
        log.noteSent(5000ms, 20);
        log.noteSent(6000ms, 30);
        QCOMPARE(*log.elapsed(7000ms, 100, view(6000ms)), 2000ms);
        // Part of the 5 s write acknowledged: the rest of it still dates the wait.
        QCOMPARE(*log.elapsed(7000ms, 110, view(6000ms)), 2000ms);
        // All of it acknowledged: the wait began with the 6 s write.
        QCOMPARE(*log.elapsed(7000ms, 120, view(6000ms)), 1000ms);
        QCOMPARE(*log.elapsed(7000ms, 149, view(6000ms)), 1000ms);
    }

    void writesInOneMillisecondShareARecord()
    {
        SentBytesLog log;
        log.noteSent(1000ms, 10);
        for (int i = 0; i < 10; ++i)
            log.noteSent(2000ms, 10); // a broadcast burst
        log.noteSent(3000ms, 10);
        QCOMPARE(log.sent(), quint64(120));
        // Three records, at 1, 2 and 3 s: the burst took one.
        QCOMPARE(*log.elapsed(4000ms, 10, view(9000ms)), 2000ms);
        QCOMPARE(*log.elapsed(4000ms, 0, view(9000ms)), 3000ms);
        QCOMPARE(*log.elapsed(4000ms, 55, view(9000ms)), 2000ms);
        QCOMPARE(*log.elapsed(4000ms, 110, view(9000ms)), 1000ms);
    }

    void aCutFoundByABurstAfterIdleIsDatedFromItsFirstWrite()
    {
        // Idle since the last ACK 19 s ago; then five writes within half a
        // second, none acknowledged: more than the log keeps one by one.
        SentBytesLog log;
        log.noteSent(1000ms, 100);
        for (int i = 0; i < 5; ++i)
            log.noteSent(Millis{20000 + i * 100}, 10);
        QCOMPARE(*log.elapsed(21700ms, 100, view(19000ms)), 1700ms);
        // Half of the first write acknowledged: still dated from it.
        QCOMPARE(*log.elapsed(21700ms, 105, view(19000ms)), 1700ms);
    }

    void aStallInAStreamIsBoundedByTheLastAck()
    {
        // A write every 100 ms for 9 s, no pause; the path died at 5 s, when
        // the ACKs stopped. Only the last three writes are kept.
        SentBytesLog log;
        for (int t = 1000; t <= 10000; t += 100)
            log.noteSent(Millis{t}, 10);
        const quint64 ackedBefore5s = 400; // the 40 writes before 5 s
        QCOMPARE(*log.elapsed(10100ms, ackedBefore5s, view(5100ms)), 5101ms);
        // A last ACK that says less than the writes kept cannot be right.
        QCOMPARE(*log.elapsed(10100ms, ackedBefore5s, view(100ms)), 300ms);
        // The byte in the oldest write kept (9.8 s) is dated exactly.
        QCOMPARE(*log.elapsed(10100ms, 885, view(100ms)), 300ms);
    }

    void withoutTheKernelsCountTheLastAckDates()
    {
        SentBytesLog log;
        log.noteSent(1000ms, 100);
        QCOMPARE(*log.elapsed(5000ms, std::nullopt, view(2000ms)), 2001ms);
        QVERIFY(!log.elapsed(5000ms, std::nullopt, view(2000ms, 0)));
        QVERIFY(!log.elapsed(5000ms, std::nullopt, KernelSocketView{}));
    }

    void aHandedOverStreamCountsOnFromTheKernelsTotal()
    {
        SentBytesLog log;
        log.startAt(5000); // written by the process before
        QVERIFY(!log.elapsed(9000ms, 5000, view(10ms, 0)));
        // The previous process's bytes still in flight: no record of them.
        QCOMPARE(*log.elapsed(9000ms, 4990, view(700ms)), 701ms);
        log.noteSent(8000ms, 50);
        QCOMPARE(log.sent(), quint64(5050));
        QCOMPARE(*log.elapsed(9000ms, 5000, view(3000ms)), 1000ms);
    }

    void theKernelCountsExactlyTheBytesWritten()
    {
#if !defined(Q_OS_LINUX)
        QSKIP("tcpi_bytes_acked is Linux's");
#else
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
        QCOMPARE(::listen(listener, 1), 0);
        socklen_t length = sizeof(address);
        QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length), 0);
        const int client = ::socket(AF_INET, SOCK_STREAM, 0);
        QCOMPARE(::connect(client, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
        const int server = ::accept(listener, nullptr, nullptr);
        QVERIFY(server >= 0);

        // Nothing written yet: the handshake is not counted.
        QCOMPARE(kernelBytesAcked(server).value_or(99), quint64(0));
        const QByteArray chunk(1000, 'x');
        quint64 written = 0;
        for (int i = 0; i < 3; ++i)
            written += static_cast<quint64>(::send(server, chunk.constData(), chunk.size(), 0));
        QCOMPARE(written, quint64(3000));
        // The peer's kernel acknowledges on arrival, read or not.
        QElapsedTimer t;
        t.start();
        while (kernelBytesAcked(server).value_or(0) < written && t.elapsed() < 3000)
            QTest::qWait(5);
        QCOMPARE(kernelBytesAcked(server).value_or(0), written);
        QCOMPARE(kernelSendQueueBytes(server), 0);
        QVERIFY(!kernelBytesAcked(-1));
        ::close(server);
        ::close(client);
        ::close(listener);
#endif
    }
};

QTEST_GUILESS_MAIN(TestSentBytesLog)
#include "tst_sentbyteslog.moc"
