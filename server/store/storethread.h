#pragma once
// The history on a thread of its own, with group commit: every message
// asked for while the previous transaction was committing goes into the
// next one, so one fsync covers them all and a burst costs a few
// transactions, not one each. Answers are handed to `post` (the event
// loop's EventLoop::post) and run on the loop's thread in the order asked,
// appends, finds and reads alike, so a client's answers keep the order of
// its lines.
// The event loop never waits for the disk; only open() and
// rereadLatestSeq(), at startup, wait for this thread.

#include "historystore.h"
#include "messagestore.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace longline::server {

class StoreThread final : public MessageStore
{
public:
    // Hands a call to the thread that owns the answers (EventLoop::post).
    using Post = std::function<void(std::function<void()>)>;

    explicit StoreThread(Post post);
    ~StoreThread() override;
    StoreThread(const StoreThread &) = delete;
    StoreThread &operator=(const StoreThread &) = delete;

    // Starts the thread and opens the database there (HistoryStore::open);
    // waits for the outcome.
    bool open(const QString &path, QString *error);
    // Answers everything asked so far (their calls go to `post`), then
    // closes the database and ends the thread.
    void close();
    QString journalMode() const { return m_journalMode; }
    // Reads the latest seq from the file again (another process, the one a
    // --take-over replaced, may have stored messages since open()). Waits;
    // only before the first append.
    bool rereadLatestSeq(QString *error);

    void append(NewMessage message, std::function<void(const Appended &)> done) override;
    void find(QString nickKey, QString cid,
              std::function<void(const std::optional<protocol::ChatMessage> &)> done) override;
    void page(qint64 since, qint64 upTo, int max, std::function<void(const Page &)> done) override;
    qint64 latestSeq() const override { return *m_latestSeq; }

    // Waits until everything asked so far has been answered (its calls
    // handed to `post`). Tests and the fuzzer; never on the event loop or
    // the storage thread, and only while open.
    void sync()
    {
        call([] {});
    }

    // Transactions committed so far (metrics, tests).
    quint64 transactions() const { return m_transactions.load(); }
    // Tests: runs on the storage thread before each COMMIT, with the number
    // of appends and finds in it. Set it before open() or while idle.
    void setBeforeCommit(std::function<void(int messages)> hook)
    {
        m_beforeCommit = std::move(hook);
    }

private:
    // One thing asked of the storage thread, in the order asked.
    struct Job
    {
        enum class Kind
        {
            Append, // `message`, answered through `appended`
            Find,   // `message.nickKey` and `.cid`, answered through `found`
            Read,   // `read` runs here and returns the answer to post
            Call,   // `call` runs here (open, sync); nothing is posted
        };
        Kind kind = Kind::Call;
        NewMessage message;
        std::function<void(const Appended &)> appended;
        std::function<void(const std::optional<protocol::ChatMessage> &)> found;
        std::function<std::function<void()>()> read;
        std::function<void()> call;
        qint64 askedNs = 0;
    };

    void run();
    void enqueue(Job job);
    // Runs `job` on the storage thread and waits for it.
    void call(const std::function<void()> &job);
    // The appends and finds of one pass, in one transaction; their answers
    // go to `answers` at their places.
    void commitBatch(std::vector<Job> &jobs, std::vector<std::function<void()>> &answers);
    // Hands an answer to `post` (dropped when there is none).
    void deliver(std::function<void()> answer);

    Post m_post;
    HistoryStore m_history; // the storage thread's only, once it runs
    QString m_journalMode;
    // What the answers delivered so far reported; read and written on the
    // loop's thread only. Shared with the posted calls, which must not
    // reach into a destroyed store.
    std::shared_ptr<qint64> m_latestSeq = std::make_shared<qint64>(0);
    std::atomic<quint64> m_transactions{0};
    std::function<void(int)> m_beforeCommit;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Job> m_jobs; // guarded by m_mutex
    bool m_stopping = false; // guarded by m_mutex
    std::thread m_thread;
};

} // namespace longline::server
