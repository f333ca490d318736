#include "storethread.h"

#include <future>

namespace longline::server {

namespace {
qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

StoreThread::StoreThread(Post post) : m_post(std::move(post)) {}

StoreThread::~StoreThread()
{
    close();
}

bool StoreThread::open(const QString &path, QString *error)
{
    close();
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = false;
    }
    m_thread = std::thread([this] { run(); });
    bool opened = false;
    QString why;
    call([&] {
        opened = m_history.open(path, &why);
        if (opened) {
            m_journalMode = m_history.journalMode();
            *m_latestSeq = m_history.lastSeq();
        }
    });
    if (!opened) {
        close();
        if (error)
            *error = why;
    }
    return opened;
}

void StoreThread::close()
{
    if (!m_thread.joinable())
        return;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

bool StoreThread::rereadLatestSeq(QString *error)
{
    bool ok = false;
    QString why;
    call([&] {
        ok = m_history.rereadLastSeq(&why);
        if (ok)
            *m_latestSeq = m_history.lastSeq();
    });
    if (!ok && error)
        *error = why;
    return ok;
}

void StoreThread::call(const std::function<void()> &job)
{
    std::promise<void> done;
    Job j;
    j.kind = Job::Kind::Call;
    j.call = [&] {
        job();
        done.set_value();
    };
    enqueue(std::move(j));
    done.get_future().wait();
}

void StoreThread::enqueue(Job job)
{
    job.askedNs = monotonicNs();
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void StoreThread::append(NewMessage message, std::function<void(const Appended &)> done)
{
    Job j;
    j.kind = Job::Kind::Append;
    j.message = std::move(message);
    j.appended = std::move(done);
    enqueue(std::move(j));
}

void StoreThread::find(QString nickKey, QString cid,
                       std::function<void(const std::optional<protocol::ChatMessage> &)> done)
{
    Job j;
    j.kind = Job::Kind::Find;
    j.message.nickKey = std::move(nickKey);
    j.message.cid = std::move(cid);
    j.found = std::move(done);
    enqueue(std::move(j));
}

void StoreThread::page(qint64 since, qint64 upTo, int max, std::function<void(const Page &)> done)
{
    Job j;
    j.kind = Job::Kind::Read;
    j.read = [this, since, upTo, max, done = std::move(done)]() mutable {
        QString error;
        const HistoryStore::Page read = m_history.page(since, max, &error, upTo);
        Page p;
        p.messages = read.messages;
        p.more = read.more;
        p.error = error;
        return std::function<void()>([done = std::move(done), p = std::move(p)] { done(p); });
    };
    enqueue(std::move(j));
}

void StoreThread::deliver(std::function<void()> answer)
{
    if (m_post)
        m_post(std::move(answer));
}

void StoreThread::run()
{
    for (;;) {
        std::vector<Job> jobs;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty())
                break; // stopping, with everything answered
            // Everything asked while the last pass ran.
            jobs.swap(m_jobs);
        }
        // Its appends and finds in one transaction (one fsync), then its
        // reads, which see that transaction (a page stops at its upTo, so
        // a newer message is not in it), then every answer in one call, in
        // the order asked. Calls (open, sync) run last: sync() then means
        // every answer asked before it is with `post`.
        std::vector<std::function<void()>> answers(jobs.size());
        commitBatch(jobs, answers);
        for (size_t i = 0; i < jobs.size(); ++i)
            if (jobs[i].kind == Job::Kind::Read)
                answers[i] = jobs[i].read();
        bool any = false;
        for (const auto &a : answers)
            any = any || a;
        if (any)
            deliver([answers = std::move(answers)] {
                for (const std::function<void()> &answer : answers)
                    if (answer)
                        answer();
            });
        for (Job &job : jobs)
            if (job.kind == Job::Kind::Call)
                job.call();
    }
    m_history.close();
}

void StoreThread::commitBatch(std::vector<Job> &jobs, std::vector<std::function<void()>> &answers)
{
    std::vector<size_t> batch; // the appends and finds, in order
    for (size_t i = 0; i < jobs.size(); ++i)
        if (jobs[i].kind == Job::Kind::Append || jobs[i].kind == Job::Kind::Find)
            batch.push_back(i);
    if (batch.empty())
        return;
    std::vector<Appended> results(batch.size());
    const qint64 before = m_history.lastSeq(); // what a rollback keeps
    QString error;
    bool ok = m_history.begin(&error);
    int inserted = 0;
    for (size_t k = 0; ok && k < batch.size(); ++k) {
        const Job &job = jobs[batch[k]];
        const NewMessage &m = job.message;
        Appended &r = results[k];
        // Seen inside this transaction too: a retry in the same batch is
        // a duplicate of the first.
        if (!m.cid.isEmpty()) {
            if (auto earlier = m_history.findByCid(m.nickKey, m.cid)) {
                r.message = std::move(earlier);
                r.duplicate = true;
                continue;
            }
        }
        if (job.kind == Job::Kind::Find)
            continue; // nothing stored under that id
        r.message = m_history.append(m.nick, m.nickKey, m.text, m.cid, m.time, &r.error);
        if (!r.message) {
            // SQLite may have rolled the whole transaction back already
            // (a full disk, an I/O error): the batch fails as one.
            ok = false;
            error = r.error;
        }
        ++inserted;
    }
    if (ok && m_beforeCommit)
        m_beforeCommit(static_cast<int>(batch.size()));
    if (ok)
        ok = m_history.commit(&error);
    if (ok) {
        if (inserted > 0)
            m_transactions.fetch_add(1);
    } else {
        // Nothing in it was stored. A duplicate of a message stored before
        // it stands; one of a message inserted in it does not (its seq
        // will be given again), nor does anything not looked at.
        m_history.rollback();
        for (size_t k = 0; k < batch.size(); ++k) {
            Appended &r = results[k];
            if (r.duplicate && r.message && r.message->seq <= before)
                continue;
            r.duplicate = false;
            r.message.reset();
            r.error = error.isEmpty() ? QStringLiteral("the transaction failed") : error;
            const Job &job = jobs[batch[k]];
            if (job.kind == Job::Kind::Find)
                r.message = m_history.findByCid(job.message.nickKey, job.message.cid);
        }
    }
    const qint64 committed = monotonicNs();
    bool counted = false;
    for (size_t k = 0; k < batch.size(); ++k) {
        Job &job = jobs[batch[k]];
        Appended r = std::move(results[k]);
        r.commitNs = committed - job.askedNs;
        if (job.kind == Job::Kind::Find) {
            answers[batch[k]] = [found = std::move(job.found), message = std::move(r.message)] {
                found(message);
            };
            continue;
        }
        if (ok && !counted && r.message && !r.duplicate)
            r.firstOfTransaction = counted = true;
        // Each seq becomes the latest just before its own answer (its MSG)
        // goes out.
        answers[batch[k]] = [latest = m_latestSeq, done = std::move(job.appended),
                             r = std::move(r)] {
            if (r.message && !r.duplicate)
                *latest = std::max(*latest, r.message->seq);
            if (done)
                done(r);
        };
    }
}

} // namespace longline::server
