// The storage thread with group commit, on a real EventLoop and a real
// SQLite file: messages asked for while a transaction commits go into the
// next one; an answer (and so an ACK or MSG) comes only after the commit,
// on the loop's thread, in order; duplicates of a client id are found in
// the same transaction and across; HISTORY stops at what was announced.
// Then the chat room on top of it, with the disk held: PINGs are answered
// while a message waits for its commit, and nobody hears of the message
// before it is durable.

#include "chatroom.h"
#include "eventloop.h"
#include "heartbeatmonitor.h"
#include "participant.h"
#include "protocol.h"
#include "serverlog.h"
#include "storethread.h"

#include <QTemporaryDir>
#include <QTest>
#include <asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace longline;
using namespace longline::server;
using namespace longline::server::net;
using namespace std::chrono_literals;

namespace {

// Holds the storage thread inside each commit until it is let through
// (allow(), one commit at a time) or the gate opens for good.
class CommitGate
{
public:
    void install(StoreThread &store)
    {
        store.setBeforeCommit([this](int messages) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_batches.push_back(messages);
            m_entered.notify_all();
            m_release.wait(lock, [this] { return m_open || m_permits > 0; });
            if (!m_open)
                --m_permits;
        });
    }
    void allow(int commits)
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_permits += commits;
        }
        m_release.notify_all();
    }
    // Blocks until the storage thread waits in a commit (false after 5 s).
    bool waitEntered(size_t commits)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        return m_entered.wait_for(lock, 5s, [&] { return m_batches.size() >= commits; });
    }
    void open()
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_open = true;
        }
        m_release.notify_all();
    }
    std::vector<int> batches()
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        return m_batches;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_entered;
    std::condition_variable m_release;
    std::vector<int> m_batches;
    int m_permits = 0;
    bool m_open = false;
};

template <typename F> bool runUntil(EventLoop &loop, F done, Millis limit = 5s)
{
    const Millis end = monotonicNow() + limit;
    while (!done() && monotonicNow() < end)
        loop.runFor(10ms);
    return done();
}

MessageStore::NewMessage message(const QString &nick, const QString &text,
                                 const QString &cid = QString())
{
    return {nick, nick.toLower(), text, cid, QDateTime::currentDateTimeUtc()};
}

// A connection as the room sees it, keeping every line it is sent.
class RecordingParticipant : public Participant
{
public:
    RecordingParticipant(quint64 id, const ServerConfig &config)
        : Participant(id, config.minClientPing, config.ratePer10s)
    {
    }
    QString peer() const override { return QStringLiteral("192.0.2.1:4000"); }
    QHostAddress peerAddress() const override { return QHostAddress(QStringLiteral("192.0.2.1")); }
    bool isEncrypted() const override { return false; }
    void send(const QByteArray &line) override
    {
        if (isOpen())
            lines.append(line.trimmed());
    }
    void close(const QString &, const QString &) override { setState(State::Closing); }
    void notePong(const QString &token) override { pongs.append(token); }
    qint64 queuedBytes() const override { return 0; }
    void startProbe(const QString &, Millis) override {}
    bool probePending() const override { return false; }

    bool received(const QByteArray &prefix) const
    {
        for (const QByteArray &l : lines)
            if (l.startsWith(prefix))
                return true;
        return false;
    }
    int indexOf(const QByteArray &prefix) const
    {
        for (qsizetype i = 0; i < lines.size(); ++i)
            if (lines.at(i).startsWith(prefix))
                return static_cast<int>(i);
        return -1;
    }

    QList<QByteArray> lines;
    QStringList pongs;
};

} // namespace

class TestStoreThread : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_log.open(m_dir.filePath(QStringLiteral("server.log")), &error),
                 qPrintable(error));
    }
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_loop = std::make_unique<EventLoop>(m_io);
        m_gate = std::make_unique<CommitGate>();
        m_store = std::make_unique<StoreThread>(
            [loop = m_loop.get()](std::function<void()> fn) { loop->post(std::move(fn)); });
        QString error;
        QVERIFY2(m_store->open(m_dir.filePath(QStringLiteral("h%1.db").arg(++m_files)), &error),
                 qPrintable(error));
    }
    void cleanup()
    {
        m_gate->open(); // a failed test must not leave the thread in a commit
        m_room.reset();
        m_store.reset();
        m_loop.reset();
    }

    // Four messages, the last three asked while the first commits: two
    // transactions, answered in order, and none before its commit.
    void messagesWaitingForACommitShareTheNext()
    {
        m_gate->install(*m_store);
        std::vector<qint64> seqs;
        auto record = [&seqs](const MessageStore::Appended &r) {
            seqs.push_back(r.message ? r.message->seq : -1);
        };
        m_store->append(message(QStringLiteral("ann"), QStringLiteral("first")), record);
        QVERIFY(m_gate->waitEntered(1));
        for (int i = 0; i < 3; ++i)
            m_store->append(message(QStringLiteral("ann"), QStringLiteral("more %1").arg(i)),
                            record);
        m_loop->runFor(150ms);
        QVERIFY2(seqs.empty(), "answered before its transaction committed");
        QCOMPARE(m_store->latestSeq(), qint64(0));

        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return seqs.size() == 4; }));
        QCOMPARE(seqs, (std::vector<qint64>{1, 2, 3, 4}));
        QCOMPARE(m_gate->batches(), (std::vector<int>{1, 3}));
        QCOMPARE(m_store->transactions(), quint64(2));
        QCOMPARE(m_store->latestSeq(), qint64(4));
    }

    // Answers run on the loop's thread, never inside append(), and each
    // seq is the latest just as its own answer runs.
    void answersRunOnTheLoopInOrder()
    {
        bool inAppend = true;
        bool answeredInAppend = false;
        std::vector<std::pair<qint64, qint64>> seen; // (seq, latestSeq at the answer)
        const auto loopThread = std::this_thread::get_id();
        bool wrongThread = false;
        for (int i = 0; i < 20; ++i) {
            m_store->append(message(QStringLiteral("bo"), QString::number(i)),
                            [&](const MessageStore::Appended &r) {
                                answeredInAppend |= inAppend;
                                wrongThread |= std::this_thread::get_id() != loopThread;
                                seen.emplace_back(r.message->seq, m_store->latestSeq());
                            });
        }
        inAppend = false;
        // Committed and posted, not yet run: nothing is announced.
        m_store->sync();
        QCOMPARE(m_store->latestSeq(), qint64(0));
        QVERIFY(runUntil(*m_loop, [&] { return seen.size() == 20; }));
        QVERIFY(!answeredInAppend);
        QVERIFY(!wrongThread);
        for (size_t i = 0; i < seen.size(); ++i) {
            QCOMPARE(seen[i].first, qint64(i + 1));
            QCOMPARE(seen[i].second, seen[i].first);
        }
    }

    // A client id stored once: a retry in the same transaction and one
    // in a later transaction both get the first message's seq.
    void duplicatesFoundInAndAcrossTransactions()
    {
        m_gate->install(*m_store);
        std::vector<MessageStore::Appended> answers;
        auto record = [&answers](const MessageStore::Appended &r) { answers.push_back(r); };
        m_store->append(message(QStringLiteral("cy"), QStringLiteral("x")), record);
        QVERIFY(m_gate->waitEntered(1));
        m_store->append(
            message(QStringLiteral("cy"), QStringLiteral("hello"), QStringLiteral("c1")), record);
        m_store->append(
            message(QStringLiteral("Cy"), QStringLiteral("hello"), QStringLiteral("c1")), record);
        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return answers.size() == 3; }));
        m_store->append(
            message(QStringLiteral("cy"), QStringLiteral("hello"), QStringLiteral("c1")), record);
        // Another nick's c1 is another message.
        m_store->append(
            message(QStringLiteral("di"), QStringLiteral("hello"), QStringLiteral("c1")), record);
        QVERIFY(runUntil(*m_loop, [&] { return answers.size() == 5; }));
        QVERIFY(!answers[1].duplicate);
        QCOMPARE(answers[1].message->seq, qint64(2));
        QVERIFY(answers[2].duplicate);
        QCOMPARE(answers[2].message->seq, qint64(2));
        QVERIFY(answers[3].duplicate);
        QCOMPARE(answers[3].message->seq, qint64(2));
        QVERIFY(!answers[4].duplicate);
        QCOMPARE(answers[4].message->seq, qint64(3));
        QCOMPARE(m_store->latestSeq(), qint64(3));
    }

    void pageStopsAtUpTo()
    {
        int answered = 0;
        for (int i = 0; i < 5; ++i)
            m_store->append(message(QStringLiteral("ed"), QString::number(i)),
                            [&](const MessageStore::Appended &) { ++answered; });
        QVERIFY(runUntil(*m_loop, [&] { return answered == 5; }));
        std::vector<MessageStore::Page> pages;
        auto record = [&pages](const MessageStore::Page &p) { pages.push_back(p); };
        m_store->page(0, 3, 10, record);
        m_store->page(0, 5, 2, record);
        m_store->page(3, 5, 10, record);
        QVERIFY(runUntil(*m_loop, [&] { return pages.size() == 3; }));
        QCOMPARE(pages[0].messages.size(), 3);
        QVERIFY(!pages[0].more);
        QCOMPARE(pages[1].messages.size(), 2);
        QVERIFY(pages[1].more);
        QCOMPARE(pages[2].messages.size(), 2);
        QCOMPARE(pages[2].messages.first().seq, qint64(4));
        QCOMPARE(pages[2].messages.first().text, QStringLiteral("3"));
    }

    // The room while the disk is held: the sender's PING is answered at
    // once; neither the ACK nor anyone's MSG goes out before the commit;
    // a shutdown waiting on whenStored() waits for it too.
    void roomServesWhileAMessageCommits()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        makeRoom(config);
        RecordingParticipant ann(1, config), bob(2, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        m_room->handleLine(&bob, QStringLiteral("HELLO bob"));
        QVERIFY(ann.received("WELCOME"));
        QVERIFY(holdCommitOf(ann, QStringLiteral("SAYID c1 hello there")));
        m_room->handleLine(&ann, QStringLiteral("PING t1"));
        QVERIFY(ann.received("PONG t1"));
        bool drained = false;
        m_room->whenStored([&drained] { drained = true; });
        m_loop->runFor(150ms);
        QVERIFY(!ann.received("ACK"));
        QVERIFY(!bob.received("MSG"));
        QVERIFY(!drained);
        QCOMPARE(m_room->messagesBeingStored(), 1);

        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return drained; }));
        QCOMPARE(ann.lines.at(ann.indexOf("ACK")), QByteArray("ACK c1 1"));
        QVERIFY(ann.indexOf("ACK") < ann.indexOf("MSG 1 "));
        QVERIFY(bob.received("MSG 1 "));
        QVERIFY(bob.lines.last().endsWith("hello there"));
        QCOMPARE(m_room->messagesBeingStored(), 0);
    }

    // A HISTORY asked while a message commits stops at what was announced;
    // the newer message reaches the asker as MSG, once.
    void historyStopsAtTheAnnouncedSeq()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        makeRoom(config);
        RecordingParticipant ann(1, config), bob(2, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        m_room->handleLine(&bob, QStringLiteral("HELLO bob"));
        m_room->handleLine(&ann, QStringLiteral("SAY one"));
        QVERIFY(runUntil(*m_loop, [&] { return bob.received("MSG 1 "); }));
        QVERIFY(holdCommitOf(ann, QStringLiteral("SAY two")));
        m_room->handleLine(&bob, QStringLiteral("HISTORY 0"));
        m_loop->runFor(100ms);
        // The page read waits behind the commit on the storage thread.
        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return bob.received("HISTEND"); }));
        QVERIFY(runUntil(*m_loop, [&] { return bob.received("MSG 2 "); }));
        QVERIFY(bob.received("HIST 1 "));
        QVERIFY(!bob.received("HIST 2 "));
        QCOMPARE(bob.lines.at(bob.indexOf("HISTEND")), QByteArray("HISTEND 1 0"));
    }

    // Answers keep the order of the lines whatever each asks of the store:
    // a HISTORY answer, read after the transaction of the SAYID that came
    // after it, still ends before that SAYID's ACK.
    void answersKeepTheOrderOfTheLines()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        config.ratePer10s = 0; // no limit
        makeRoom(config);
        RecordingParticipant ann(1, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        for (int i = 0; i < 100; ++i)
            m_room->handleLine(&ann, QStringLiteral("SAY number %1").arg(i));
        QVERIFY(runUntil(*m_loop, [&] { return ann.received("MSG 100 "); }));
        QVERIFY(holdCommitOf(ann, QStringLiteral("SAYID c0 hold the disk")));
        m_room->handleLine(&ann, QStringLiteral("HISTORY 0"));
        m_room->handleLine(&ann, QStringLiteral("SAYID c1 after the history"));
        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return ann.received("ACK c1 "); }));
        const int end = ann.indexOf("HISTEND ");
        QVERIFY2(end > ann.indexOf("ACK c0 ") && end < ann.indexOf("ACK c1 "),
                 ann.lines.mid(ann.lines.size() - 5).join('|').constData());
        // It stops at what was announced when asked: c0 reached ann as MSG.
        QCOMPARE(ann.lines.at(end), QByteArray("HISTEND 100 0"));
    }

    // Over the rate, a retry of a stored message is still confirmed, a new
    // one is refused; a retry within the rate costs no place in it.
    void retriesCostNothingAgainstTheRate()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        config.ratePer10s = 2;
        makeRoom(config);
        RecordingParticipant ann(1, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        auto settle = [&] {
            m_store->sync();
            m_loop->runFor(20ms);
        };
        m_room->handleLine(&ann, QStringLiteral("SAYID c1 one"));
        settle();
        m_room->handleLine(&ann, QStringLiteral("SAYID c1 one")); // a retry: refunded
        settle();
        m_room->handleLine(&ann, QStringLiteral("SAYID c2 two")); // fits: 2 of 2
        settle();
        QCOMPARE(ann.lines.count("ACK c1 1"), 2);
        QVERIFY(ann.received("ACK c2 2"));
        QVERIFY(!ann.received("ERR"));
        m_room->handleLine(&ann, QStringLiteral("SAYID c1 one")); // over the rate, stored
        settle();
        QCOMPARE(ann.lines.count("ACK c1 1"), 3);
        m_room->handleLine(&ann, QStringLiteral("SAYID c3 three")); // over the rate, new
        settle();
        QVERIFY(!ann.received("ACK c3"));
        QVERIFY(ann.received("ERR "));
        QVERIFY(ann.lines.last().contains("more than 2 messages in 10 s"));
    }

    // An answer decided at once waits for the answer to the SAYID before
    // it: the client takes an ERR as the answer to its oldest message
    // waiting, and an ACK as the answer to all before it. So do a HISTORY
    // refused at once and one with nothing to send but its HISTEND.
    void answersDecidedAtOnceKeepTheOrderOfTheLines_data()
    {
        QTest::addColumn<QStringList>("between"); // sent while c1's commit is held
        QTest::addColumn<QStringList>("answers"); // their answers, in this order
        QTest::newRow("a SAYID with a control character")
            << QStringList{QStringLiteral("SAYID c2 bell\a")}
            << QStringList{QStringLiteral("ERR 416 ")};
        QTest::newRow("a HISTORY refused, one with nothing to send")
            << QStringList{QStringLiteral("HISTORY soon"), QStringLiteral("HISTORY 99")}
            << QStringList{QStringLiteral("ERR "), QStringLiteral("HISTEND 99 ")};
    }
    void answersDecidedAtOnceKeepTheOrderOfTheLines()
    {
        QFETCH(QStringList, between);
        QFETCH(QStringList, answers);
        ServerConfig config;
        config.minClientPing = Millis{0};
        makeRoom(config);
        RecordingParticipant ann(1, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        QVERIFY(holdCommitOf(ann, QStringLiteral("SAYID c1 first")));
        for (const QString &line : between)
            m_room->handleLine(&ann, line);
        m_room->handleLine(&ann, QStringLiteral("SAYID c3 third"));
        m_loop->runFor(50ms);
        for (const QString &answer : answers)
            QVERIFY2(!ann.received(answer.toUtf8()), ann.lines.join('|').constData());
        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return ann.received("ACK c3 "); }));
        int previous = ann.indexOf("ACK c1 ");
        QVERIFY(previous >= 0);
        for (const QString &answer : answers + QStringList{QStringLiteral("ACK c3 ")}) {
            const int at = ann.indexOf(answer.toUtf8());
            QVERIFY2(at > previous, qPrintable(answer + QLatin1String(" in ") +
                                               QString::fromUtf8(ann.lines.join('|'))));
            previous = at;
        }
    }

    // A shutdown waits for the messages asked before it, not for those
    // that keep coming after: a busy room cannot hold it back.
    void whenStoredWaitsOnlyForWhatWasAsked()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        makeRoom(config);
        RecordingParticipant ann(1, config);
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        QVERIFY(holdCommitOf(ann, QStringLiteral("SAY before")));
        bool done = false;
        m_room->whenStored([&done] { done = true; });
        m_room->handleLine(&ann, QStringLiteral("SAY after"));
        m_gate->allow(1); // the first commit only; the second waits
        QVERIFY(m_gate->waitEntered(2));
        QVERIFY(runUntil(*m_loop, [&] { return done; }));
        QCOMPARE(m_room->messagesBeingStored(), 1);
        QVERIFY(ann.received("MSG 1 "));
        QVERIFY(!ann.received("MSG 2 "));
        m_gate->open();
        QVERIFY(runUntil(*m_loop, [&] { return ann.received("MSG 2 "); }));
        QCOMPARE(m_room->messagesBeingStored(), 0);
    }

    // The shortcut takes exactly the canonical PING and PONG of a
    // registered client; everything else is left to the framer and
    // handleLine().
    void pingLineShortcutTakesOnlyTheCanonicalForm()
    {
        ServerConfig config;
        config.minClientPing = Millis{0};
        makeRoom(config);
        RecordingParticipant ann(1, config), newcomer(2, config);
        QVERIFY(!m_room->answerLineBytes(&ann, "PING early")); // before HELLO: counted lines
        m_room->handleLine(&ann, QStringLiteral("HELLO ann"));
        ann.lines.clear();
        QVERIFY(m_room->answerLineBytes(&ann, "PING tok-1"));
        QCOMPARE(ann.lines, QList<QByteArray>{"PONG tok-1"});
        const QByteArray longest = "PING " + QByteArray(protocol::MaxTokenLength, 't');
        QVERIFY(m_room->answerLineBytes(&ann, longest));
        QCOMPARE(ann.lines.last(), "PONG " + QByteArray(protocol::MaxTokenLength, 't'));
        for (const QByteArray &other :
             {QByteArray("PING"), QByteArray("PING "), QByteArray("ping x"), QByteArray("PING a b"),
              QByteArray("PING\tx"), QByteArray("PING x\r"), QByteArray("PING \xc3\xa9"),
              QByteArray("PING a\0b", 8), longest + 't', QByteArray("PONG a b"), QByteArray("PONG"),
              QByteArray("SAY PING x"),
              // More than one line in the read: framed, never half-answered.
              QByteArray("PING a\nPING b"), QByteArray("PING a\r\nSAY hi"),
              QByteArray("PONG h1\nPING b")})
            QVERIFY2(!m_room->answerLineBytes(&ann, other), other.constData());
        QCOMPARE(ann.lines.size(), 2);
        // A PONG goes to the connection's heartbeat, and says nothing.
        QVERIFY(m_room->answerLineBytes(&ann, "PONG h7"));
        QCOMPARE(ann.pongs, QStringList{QStringLiteral("h7")});
        QCOMPARE(ann.lines.size(), 2);
        QVERIFY(!m_room->answerLineBytes(&newcomer, "PING x"));
        QVERIFY(newcomer.lines.isEmpty());
    }

private:
    void makeRoom(const ServerConfig &config)
    {
        m_config = config;
        m_room = std::make_unique<ChatRoom>(m_config, *m_store, m_log);
    }
    // Holds the storage thread inside the transaction of `line` from `who`.
    bool holdCommitOf(RecordingParticipant &who, const QString &line)
    {
        m_gate->install(*m_store);
        m_room->handleLine(&who, line);
        return m_gate->waitEntered(1);
    }

    QTemporaryDir m_dir;
    int m_files = 0;
    asio::io_context m_io;
    ServerLog m_log;
    ServerConfig m_config;
    std::unique_ptr<EventLoop> m_loop;
    std::unique_ptr<CommitGate> m_gate;
    std::unique_ptr<StoreThread> m_store;
    std::unique_ptr<ChatRoom> m_room;
};

QTEST_GUILESS_MAIN(TestStoreThread)
#include "tst_storethread.moc"
