// Fault: the real longline-server is killed with SIGKILL while several
// ChatClients stream messages at it, then restarted on the same port and
// database. The delivery guarantees must hold across the crash:
// - every message a client saw acknowledged is in the history afterwards;
// - every message sent is stored exactly once (retries are recognised);
// - every client receives each seq at most once, in increasing order, and
//   after catching up has every stored seq;
// - the clients notice the crash and reconnect by themselves.

#include "chatclient.h"
#include "clitestsupport.h"
#include "faultsupport.h"

#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>
#include <limits>
#include <memory>
#include <vector>

using namespace longline;
using namespace longline::faults;
using namespace longline::testing;
using namespace std::chrono_literals;

namespace {

const QString Host = QStringLiteral("127.0.0.1");

// Distinct periods so the clients' writes interleave differently.
constexpr Millis SendPeriods[] = {30ms, 37ms, 43ms, 50ms};
constexpr int ClientCount = static_cast<int>(std::size(SendPeriods));
// Acknowledged messages per client before the kill: the stream is running.
constexpr int AcksBeforeKill = 15;
// Acknowledged messages per client after the restart before the stream stops.
constexpr int AcksAfterRestart = 10;

// A killed process's sockets are closed by the kernel (FIN or RST), so the
// clients hear of it at once; the rest is scheduling on a loaded machine.
constexpr int NoticeMs = 3000;
// First retry after 1 s (+-20%) fails against the dead port, the next one
// comes 2 s (+-20%) later and finds the restarted server.
constexpr int FirstRetryMs = 5000;
constexpr int ReconnectMs = 10000;
// The outboxes drain once online; hundreds of fsync'ed inserts at most.
constexpr int DrainMs = 15000;

// The clients run the quick liveness settings the brief asks for; the crash
// itself is reported by the kernel, the heartbeat is the backstop.
LivenessSettings quickLiveness()
{
    LivenessSettings s;
    s.heartbeat.enabled = true;
    s.heartbeat.interval = 1s;
    s.heartbeat.timeout = 1s;
    s.userTimeout = 1500ms;
    return s;
}

// --rate 0: the stream and the burst after the restart are never refused.
const QStringList ServerFlags = {QStringLiteral("--rate"), QStringLiteral("0")};

} // namespace

class TestFaultServerKill : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_SERVER();
        QVERIFY(m_dir.isValid());
    }

    void sigkillUnderTrafficLosesAndRepeatsNothing()
    {
        const QString db = m_dir.filePath(QStringLiteral("kill.db"));
        const quint16 port = restartablePort(); // fixed, so the restart can reuse it
        ServerProcess server;
        QVERIFY2(server.start(db, port, ServerFlags), qPrintable(server.log().join('\n')));

        std::vector<std::unique_ptr<ChatClient>> clients;
        std::vector<std::unique_ptr<ClientRecorder>> recorders;
        std::vector<std::unique_ptr<SteadySender>> senders;
        for (int i = 0; i < ClientCount; ++i) {
            auto client = std::make_unique<ChatClient>();
            client->setAutoReconnect(true);
            client->setLivenessSettings(quickLiveness());
            recorders.push_back(std::make_unique<ClientRecorder>(client.get()));
            senders.push_back(std::make_unique<SteadySender>(
                client.get(), QStringLiteral("writer%1").arg(i), SendPeriods[i]));
            client->connectToServer(Host, port, QStringLiteral("writer%1").arg(i));
            clients.push_back(std::move(client));
        }
        auto all = [&](auto predicate) {
            for (int i = 0; i < ClientCount; ++i)
                if (!predicate(i))
                    return false;
            return true;
        };
        QVERIFY(waitFor(
            [&] {
                return all([&](int i) { return clients[i]->state() == ChatClient::State::Online; });
            },
            5000));

        // The stream runs; the kill lands in the middle of it.
        for (auto &s : senders)
            s->start();
        QVERIFY(waitFor(
            [&] { return all([&](int i) { return recorders[i]->acks.size() >= AcksBeforeKill; }); },
            10000));
        // What each client saw acknowledged before the crash (cid -> seq).
        std::vector<QList<QPair<QString, qint64>>> ackedBeforeKill;
        for (auto &r : recorders)
            ackedBeforeKill.push_back(r->acks);
        server.kill(); // SIGKILL
        QElapsedTimer downtime;
        downtime.start();

        // Each client notices by itself and starts retrying against the dead port.
        QVERIFY(waitFor([&] { return all([&](int i) { return !recorders[i]->lost.isEmpty(); }); },
                        NoticeMs));
        for (auto &r : recorders)
            QVERIFY2(r->lost.first().isFailure(), qPrintable(r->lost.first().describe()));
        QVERIFY(waitFor(
            [&] { return all([&](int i) { return !recorders[i]->connectFailures.isEmpty(); }); },
            FirstRetryMs));
        int waiting = 0; // messages queued while nobody could take them
        for (auto &c : clients)
            waiting += static_cast<int>(c->outbox().size());
        QVERIFY2(waiting > 0, "the stream should have kept queueing during the downtime");

        QVERIFY2(server.start(db, port, ServerFlags), qPrintable(server.log().join('\n')));
        const qint64 downMs = downtime.elapsed();
        QVERIFY(waitFor(
            [&] {
                return all([&](int i) {
                    return clients[i]->state() == ChatClient::State::Online &&
                           recorders[i]->welcomes.size() >= 2;
                });
            },
            ReconnectMs));
        const qint64 reconnectMs = downtime.elapsed() - downMs;

        // A little more traffic on the new server, then stop and drain.
        std::vector<int> acksAtRestart;
        for (auto &r : recorders)
            acksAtRestart.push_back(static_cast<int>(r->acks.size()));
        QVERIFY(waitFor(
            [&] {
                return all([&](int i) {
                    return recorders[i]->acks.size() >= acksAtRestart[i] + AcksAfterRestart;
                });
            },
            10000));
        for (auto &s : senders)
            s->stop();
        QVERIFY(waitFor([&] { return all([&](int i) { return clients[i]->outbox().isEmpty(); }); },
                        DrainMs));

        // Every message was acknowledged exactly once, all seqs distinct.
        QHash<qint64, QString> textBySeq; // from the acks
        int totalSent = 0;
        for (int i = 0; i < ClientCount; ++i) {
            totalSent += senders[i]->sent();
            QCOMPARE(recorders[i]->acks.size(), senders[i]->sent());
            QSet<QString> cids;
            for (const auto &[cid, seq] : std::as_const(recorders[i]->acks)) {
                QVERIFY2(!cids.contains(cid), qPrintable(cid));
                cids.insert(cid);
                QVERIFY2(!textBySeq.contains(seq),
                         qPrintable(QStringLiteral("seq %1 acknowledged twice").arg(seq)));
                textBySeq.insert(seq, senders[i]->textOf(cid));
            }
        }
        const qint64 lastSeq = *std::max_element(textBySeq.keyBegin(), textBySeq.keyEnd());

        // Each client: every seq at most once, in order, and all of them in the end.
        QVERIFY(waitFor(
            [&] { return all([&](int i) { return clients[i]->lastSeq() == lastSeq; }); }, 5000));
        QList<qint64> allSeqs = textBySeq.keys();
        std::sort(allSeqs.begin(), allSeqs.end());
        for (int i = 0; i < ClientCount; ++i) {
            const auto &got = recorders[i]->messages;
            const QString order = orderViolation(got);
            QVERIFY2(order.isEmpty(), qPrintable(QStringLiteral("writer%1: %2").arg(i).arg(order)));
            QCOMPARE(seqsOf(got), allSeqs);
            for (const auto &m : got)
                QCOMPARE(m.text, textBySeq.value(m.seq));
            // Reconnected by itself, after one loss only.
            QCOMPARE(recorders[i]->lost.size(), 1);
            QVERIFY(!recorders[i]->reconnects.isEmpty());
            QCOMPARE(recorders[i]->welcomes.size(), 2);
        }
        // What the restarted server had stored from before the crash: the
        // first client welcomed again heard it before anyone sent anew.
        qint64 storedBeforeCrash = std::numeric_limits<qint64>::max();
        for (auto &r : recorders)
            storedBeforeCrash = std::min(storedBeforeCrash, r->welcomes.at(1).seq);
        int ackedAfterCrash = 0; // stored before, acknowledged only after (late read or retry)
        for (int i = 0; i < ClientCount; ++i) {
            for (const auto &[cid, seq] : std::as_const(ackedBeforeKill[i]))
                QVERIFY2(seq <= storedBeforeCrash,
                         qPrintable(QStringLiteral("seq %1 was acknowledged before the kill, but "
                                                   "the restarted server starts at %2")
                                        .arg(seq)
                                        .arg(storedBeforeCrash)));
            for (qsizetype k = ackedBeforeKill[i].size(); k < recorders[i]->acks.size(); ++k)
                ackedAfterCrash += recorders[i]->acks.at(k).second <= storedBeforeCrash ? 1 : 0;
        }

        // A newcomer's HISTORY shows every message exactly once.
        HistoryReader newcomer(QStringLiteral("auditor"));
        QVERIFY(newcomer.read(Host, port, 10000));
        QVERIFY(newcomer.allFromHistory());
        QVERIFY(orderViolation(newcomer.messages()).isEmpty());
        QCOMPARE(seqsOf(newcomer.messages()), allSeqs);

        // The file itself, after another crash: each text stored exactly once
        // under the seq its sender was given, acked-before-kill ones included.
        server.kill();
        QString error;
        const auto stored = readHistoryFile(db, &error);
        QVERIFY2(stored, qPrintable(error));
        QCOMPARE(stored->size(), totalSent);
        const QHash<QString, int> counts = textCounts(*stored);
        for (auto &s : senders)
            for (const QString &text : s->texts())
                QVERIFY2(
                    counts.value(text) == 1,
                    qPrintable(
                        QStringLiteral("'%1' stored %2 times").arg(text).arg(counts.value(text))));
        QHash<qint64, QString> storedBySeq;
        for (const auto &m : *stored)
            storedBySeq.insert(m.seq, m.text);
        int survivedCrash = 0;
        for (int i = 0; i < ClientCount; ++i) {
            for (const auto &[cid, seq] : std::as_const(ackedBeforeKill[i])) {
                QVERIFY2(storedBySeq.value(seq) == senders[i]->textOf(cid),
                         qPrintable(QStringLiteral("acked seq %1 lost or wrong").arg(seq)));
                ++survivedCrash;
            }
        }
        for (auto it = textBySeq.cbegin(); it != textBySeq.cend(); ++it)
            QCOMPARE(storedBySeq.value(it.key()), it.value());

        qInfo("%d messages from %d clients; %d acked before SIGKILL, all kept; %lld stored "
              "before it; %d of those acked only after it; %d queued while down; down %lld ms, "
              "reconnected %lld ms after restart",
              totalSent, ClientCount, survivedCrash, storedBeforeCrash, ackedAfterCrash, waiting,
              downMs, reconnectMs);
    }
};

QTEST_GUILESS_MAIN(TestFaultServerKill)
#include "tst_fault_server_kill.moc"
