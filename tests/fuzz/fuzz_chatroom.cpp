// libFuzzer target over the server's whole command handling: a ChatRoom
// with a real store (StoreThread on ":memory:", its answers run here after
// each record) and a few scripted participants
// that feed it bytes through the same LineFramer a connection uses. The
// input is a script: the first byte picks the server (password or not,
// line limit), then each record says which participant acts and how
// (bytes to send, or the connection going away). Any crash, sanitizer
// report or broken invariant below is a bug.

#include "chatroom.h"
#include "lineframer.h"
#include "participant.h"
#include "protocol.h"
#include "serverconfig.h"
#include "serverlog.h"
#include "storethread.h"

#include <QCoreApplication>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

using namespace longline;
using namespace longline::server;

namespace {

// A connection as the room sees it: records what it is sent and whether it
// was closed, and checks every line as a client would read it.
class FakeParticipant : public Participant
{
public:
    FakeParticipant(quint64 id, const QHostAddress &address, const ServerConfig &config)
        : Participant(id, config.minClientPing, config.ratePer10s), m_address(address)
    {
    }

    QString peer() const override { return m_address.toString() + QStringLiteral(":4000"); }
    QHostAddress peerAddress() const override { return m_address; }
    bool isEncrypted() const override { return false; }
    void send(const QByteArray &line) override
    {
        if (!isOpen())
            return;
        checkLine(line);
        checkHistory(line);
        m_received += line.size();
        m_queued += line.size();
    }
    void close(const QString &byeReason, const QString &) override
    {
        if (!isOpen())
            return;
        checkLine(protocol::bye(byeReason));
        setState(State::Closing);
    }
    void notePong(const QString &) override {}
    qint64 queuedBytes() const override { return m_queued; }
    void startProbe(const QString &token, Millis delay) override
    {
        if (m_probeToken.size() > 0 || state() == State::Registered || delay.count() < 1)
            std::abort(); // the room lets one probe at a time, before HELLO
        m_probeToken = token;
    }
    bool probePending() const override { return !m_probeToken.isEmpty(); }
    void end() { setState(State::Closed); }
    // The client read everything: the room may send a HISTORY answer's
    // next slice. A slice is bounded whatever the page size.
    void drain(ChatRoom &room)
    {
        if (m_queued > ChatRoom::HistoryQueueBytes + 2 * 1024 * 1024)
            std::abort();
        m_queued = 0;
        room.continueHistory(this);
        if (!m_probeToken.isEmpty()) { // the delay is over
            send(protocol::probed(m_probeToken));
            m_probeToken.clear();
        }
    }

private:
    static void checkLine(const QByteArray &line)
    {
        // One line, newline-terminated, valid UTF-8, no control characters
        // a terminal would act on, and parseable by a client.
        if (line.isEmpty() || line.back() != '\n' || line.count('\n') != 1)
            std::abort();
        const QByteArray body = line.chopped(1);
        const QString text = QString::fromUtf8(body);
        if (text.toUtf8() != body)
            std::abort();
        if (protocol::hasControlChars(text))
            std::abort();
        if (!protocol::parse(text).ok())
            std::abort();
    }

    // A HISTORY answer, however it is sliced: HIST seqs increase, and
    // HISTEND names the last one sent.
    void checkHistory(const QByteArray &line)
    {
        const protocol::Line parsed = *protocol::parse(QString::fromUtf8(line.chopped(1))).line;
        if (parsed.command == QLatin1String("HIST")) {
            const qint64 seq = parsed.words.value(0).toLongLong();
            if (seq <= m_lastHist)
                std::abort();
            m_lastHist = seq;
        } else if (parsed.command == QLatin1String("HISTEND")) {
            if (m_lastHist >= 0 && parsed.words.value(0).toLongLong() != m_lastHist)
                std::abort();
            m_lastHist = -1;
        }
    }

    QHostAddress m_address;
    qint64 m_received = 0;
    qint64 m_queued = 0;
    QString m_probeToken;
    qint64 m_lastHist = -1;
};

// The store's answers, run on this thread when the script says (the
// event loop's part in the server).
struct Answers
{
    std::mutex mutex;
    std::vector<std::function<void()>> calls;

    void post(std::function<void()> fn)
    {
        const std::lock_guard<std::mutex> lock(mutex);
        calls.push_back(std::move(fn));
    }
    bool runAll()
    {
        std::vector<std::function<void()>> now;
        {
            const std::lock_guard<std::mutex> lock(mutex);
            now.swap(calls);
        }
        for (const auto &fn : now)
            fn();
        return !now.empty();
    }
};

struct World
{
    ServerLog log;
    Answers answers;
    StoreThread store{[this](std::function<void()> fn) { answers.post(std::move(fn)); }};
    ServerConfig plain;
    ServerConfig withPassword;
};

World *world()
{
    static World *w = [] {
        static int argc = 1;
        static char name[] = "fuzz_chatroom";
        static char *argv[] = {name, nullptr};
        new QCoreApplication(argc, argv);
        auto *created = new World;
        QString error;
        if (!created->log.open(QStringLiteral("/dev/null"), &error) ||
            !created->store.open(QStringLiteral(":memory:"), &error))
            std::abort();
        created->plain.minClientPing = Millis{0};
        created->withPassword = created->plain;
        created->withPassword.password = QStringLiteral("s3cret");
        return created;
    }();
    return w;
}

constexpr int Slots = 3;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    World *w = world();
    // A fresh history now and then, so memory stays bounded over long runs.
    static int runs = 0;
    QString error;
    if (++runs % 1000 == 0 && !w->store.open(QStringLiteral(":memory:"), &error))
        std::abort();
    ServerConfig config = (data[0] & 1) ? w->withPassword : w->plain;
    config.maxLine = 64 + (data[0] >> 1) * 8;
    ChatRoom room(config, w->store, w->log);

    std::array<std::unique_ptr<FakeParticipant>, Slots> slots;
    std::array<std::unique_ptr<LineFramer>, Slots> framers;
    quint64 nextId = 1;
    const std::array<QHostAddress, 2> addresses = {QHostAddress(QStringLiteral("198.51.100.1")),
                                                   QHostAddress(QStringLiteral("2001:db8::1"))};
    auto connect = [&](int i) {
        slots[i] = std::make_unique<FakeParticipant>(nextId, addresses[nextId % 2], config);
        framers[i] = std::make_unique<LineFramer>(config.maxLine);
        ++nextId;
    };
    auto hangUp = [&](int i) {
        room.retire(slots[i].get(), QStringLiteral("closed by peer"));
        slots[i]->end();
        slots[i].reset();
    };
    // Every answer the store owes, and those the answers asked for (a
    // HISTORY answer's next page), delivered.
    auto settle = [&] {
        do
            w->store.sync();
        while (w->answers.runAll());
        if (room.messagesBeingStored() != 0)
            std::abort(); // an append never answered
    };

    // Records: <op> <length> <bytes...>. op % Slots is the participant;
    // by (op / Slots) & 3: 3 hangs it up instead of sending, 2 sends a
    // HELLO that takes over participant `length % Slots`'s nick with its
    // session key (a client reconnecting before its old connection died;
    // the fuzzer could never guess the random key), anything else sends
    // the bytes.
    size_t pos = 1;
    while (pos + 2 <= size) {
        const int i = data[pos] % Slots;
        const int action = (data[pos] / Slots) & 3;
        const size_t n = std::min<size_t>(data[pos + 1], size - pos - 2);
        QByteArray bytes(reinterpret_cast<const char *>(data + pos + 2), static_cast<qsizetype>(n));
        const int other = data[pos + 1] % Slots;
        pos += 2 + n;
        if (!slots[i])
            connect(i);
        if (action == 3) {
            hangUp(i);
            continue;
        }
        if (action == 2 && slots[other] && !slots[other]->sessionKey().isEmpty())
            bytes = protocol::hello(slots[other]->nick(), slots[other]->sessionKey());
        // As a connection does: a record that ends a line, with nothing
        // unfinished before it, is offered whole (it may hold several
        // lines) to the PING shortcut first (ChatRoom::answerLineBytes),
        // then framed if not taken.
        if (bytes.size() >= 2 && bytes.endsWith('\n') && framers[i]->pendingBytes() == 0 &&
            !framers[i]->discarding() && slots[i]->isOpen()) {
            QByteArrayView line(bytes.constData(), bytes.size() - 1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (!line.isEmpty() && line.size() <= framers[i]->maxLineBytes() &&
                room.answerLineBytes(slots[i].get(), line))
                bytes.clear();
        }
        framers[i]->feed(bytes);
        while (auto item = framers[i]->next()) {
            if (!slots[i]->isOpen())
                break;
            if (item->status == LineFramer::Status::Line)
                room.handleLine(slots[i].get(), item->text);
            else
                room.handleRejected(slots[i].get(), item->status, item->rawSize);
        }
        settle();
        // Every client reads what it was sent before the next record.
        for (auto &slot : slots)
            if (slot && slot->isOpen())
                slot->drain(room);
        settle();
        // A connection the room closed (this one, or one it replaced) goes
        // away, as the real one would.
        for (int k = 0; k < Slots; ++k)
            if (slots[k] && !slots[k]->isOpen())
                hangUp(k);
        int open = 0;
        for (const auto &s : slots)
            open += s && s->state() == Participant::State::Registered ? 1 : 0;
        if (room.onlineCount() > open)
            std::abort(); // a nick held by no live connection
        for (const QString &nick : room.onlineNicks())
            if (!protocol::isValidNick(nick))
                std::abort();
    }
    for (int i = 0; i < Slots; ++i)
        if (slots[i])
            hangUp(i);
    settle(); // before the room goes: the answers reach into it
    if (room.onlineCount() != 0)
        std::abort();
    return 0;
}
