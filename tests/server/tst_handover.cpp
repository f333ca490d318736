// The state a restarting server hands to the next process: it must come
// back exactly (server/net/handover), a damaged or foreign one must be
// refused, and the two pieces of shared/ it carries (the heartbeat's timing
// and the unfinished line) must continue where they stopped.
#include "connection.h"
#include "handover.h"

#include <QtTest>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <sys/socket.h>
#include <unistd.h>

using namespace longline;
using namespace longline::server::net;

// Records what a connection reports; the reactor tests need nothing more.
struct RecordingEvents : ConnectionEvents
{
    QStringList lines;
    int drained = 0;
    int endedCount = 0;
    void lineReceived(Connection &, const QString &line) override { lines.append(line); }
    bool lineRead(Connection &, QByteArrayView, Millis) override { return false; } // all framed
    void lineRejected(Connection &, LineFramer::Status, qsizetype) override {}
    void lineTimedOut(Connection &) override {}
    void registrationTimedOut(Connection &) override {}
    void slowReader(Connection &, qint64, const QString &) override {}
    void outputBudgetExceeded() override {}
    void outputDrained(Connection &) override { ++drained; }
    void heartbeatSent(Connection &) override {}
    void heartbeatAnswered(Connection &, Millis) override {}
    void optionsApplied(Connection &, const SocketOptionsReport &) override {}
    void ended(Connection &, const DeathVerdict &) override { ++endedCount; }
};

class TestHandover : public QObject
{
    Q_OBJECT

private:
    static HandedConnection sample(quint64 id)
    {
        HandedConnection c;
        c.socketKey = "127.0.0.1/9999>127.0.3.7/40112";
        c.id = id;
        c.registered = true;
        c.nick = QStringLiteral("Dana-%1").arg(id);
        c.nickKey = c.nick.toCaseFolded();
        c.sessionKey = QStringLiteral("k%1").arg(id * 7);
        c.passwordAccepted = true;
        c.presenceAnnounced = id % 2 == 0;
        c.startedAt = Millis{1000 + static_cast<qint64>(id)};
        c.registerBy = Millis{61000};
        c.lineDeadline = Millis{31000};
        c.unfinished = {QByteArray("SAYID c9 half a li"), false, 0};
        c.heartbeat.lastReceived = Millis{5000};
        c.heartbeat.lastPingSent = Millis{4000};
        c.heartbeat.pingSentSinceReceive = true;
        c.heartbeat.nextToken = 42;
        c.heartbeat.inFlight = {{40, Millis{3000}}, {41, Millis{4000}}};
        c.lastRttMs = 17;
        c.unsentOutput = QByteArray("MSG 5 2026-12-07T00:00:00Z eve hi\n");
        c.historyActive = true;
        c.historySince = 120;
        c.historyRemaining = 380;
        c.historyUpTo = 4242;
        return c;
    }

private Q_SLOTS:
    void stateComesBackExactly()
    {
        HandoverState state;
        state.listen = QStringLiteral("0.0.0.0:9999");
        state.nextId = 1234;
        for (quint64 id = 1; id <= 3; ++id)
            state.connections.push_back(sample(id));
        state.connections[2].unfinished = {QByteArray("xxxx"), true, 9000};
        state.connections[1].probe = true;
        state.connections[1].registered = false;
        state.connections[1].probeDue = Millis{77000};
        state.connections[1].probeAnswered = true;
        state.connections[1].probeToken = QStringLiteral("p-1");
        QString error;
        const auto back = parseHandover(serializeHandover(state), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->listen, state.listen);
        QCOMPARE(back->nextId, state.nextId);
        QCOMPARE(back->connections.size(), state.connections.size());
        for (size_t i = 0; i < state.connections.size(); ++i) {
            const HandedConnection &a = state.connections[i], &b = back->connections[i];
            QCOMPARE(b.socketKey, a.socketKey);
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.registered, a.registered);
            QCOMPARE(b.passwordAccepted, a.passwordAccepted);
            QCOMPARE(b.probe, a.probe);
            QCOMPARE(b.probeDue, a.probeDue);
            QCOMPARE(b.probeAnswered, a.probeAnswered);
            QCOMPARE(b.probeToken, a.probeToken);
            QCOMPARE(b.registerBy, a.registerBy);
            QCOMPARE(b.heartbeat.lastPingSent, a.heartbeat.lastPingSent);
            QCOMPARE(b.heartbeat.pingSentSinceReceive, a.heartbeat.pingSentSinceReceive);
            QCOMPARE(b.nick, a.nick);
            QCOMPARE(b.nickKey, a.nickKey);
            QCOMPARE(b.sessionKey, a.sessionKey);
            QCOMPARE(b.presenceAnnounced, a.presenceAnnounced);
            QCOMPARE(b.startedAt, a.startedAt);
            QCOMPARE(b.lineDeadline, a.lineDeadline);
            QCOMPARE(b.unfinished.bytes, a.unfinished.bytes);
            QCOMPARE(b.unfinished.discarding, a.unfinished.discarding);
            QCOMPARE(b.unfinished.discarded, a.unfinished.discarded);
            QCOMPARE(b.heartbeat.lastReceived, a.heartbeat.lastReceived);
            QCOMPARE(b.heartbeat.nextToken, a.heartbeat.nextToken);
            QCOMPARE(b.heartbeat.inFlight, a.heartbeat.inFlight);
            QCOMPARE(b.lastRttMs, a.lastRttMs);
            QCOMPARE(b.unsentOutput, a.unsentOutput);
            QCOMPARE(b.historyActive, a.historyActive);
            QCOMPARE(b.historySince, a.historySince);
            QCOMPARE(b.historyRemaining, a.historyRemaining);
            QCOMPARE(b.historyUpTo, a.historyUpTo);
        }
    }

    // The release before wrote format 1, without the end of a HISTORY
    // answer: still read, the end left to the next process (0).
    void formatOneIsStillRead()
    {
        HandoverState state;
        state.connections.push_back(sample(1));
        QByteArray bytes = serializeHandover(state);
        bytes[7] = 1;  // the version, big-endian after the magic
        bytes.chop(8); // the one record's last field, historyUpTo
        QString error;
        const auto back = parseHandover(bytes, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->connections.size(), size_t(1));
        QCOMPARE(back->connections.front().historySince, qint64(120));
        QCOMPARE(back->connections.front().historyUpTo, qint64(0));
    }

    void damagedOrForeignStateIsRefused()
    {
        HandoverState state;
        state.connections.push_back(sample(1));
        const QByteArray bytes = serializeHandover(state);
        QString error;
        QVERIFY(!parseHandover(QByteArray(), &error));
        QVERIFY(!parseHandover(bytes.left(bytes.size() - 5), &error));
        QVERIFY(error.contains(QStringLiteral("truncated")));
        QByteArray foreign = bytes;
        foreign[7] = 9; // another format version
        QVERIFY(!parseHandover(foreign, &error));
        QVERIFY(error.contains(QStringLiteral("format")));
        // Every cut of a valid state is refused, never misread or crashed on.
        for (qsizetype cut = 0; cut < bytes.size(); ++cut)
            QVERIFY(!parseHandover(bytes.left(cut), nullptr));
    }

    void heartbeatContinuesItsSilenceAndPings()
    {
        Millis now{100000};
        HeartbeatMonitor before([&now] { return now; });
        HeartbeatOptions options;
        options.enabled = true;
        options.interval = Millis{2000};
        options.timeout = Millis{2000};
        before.setOptions(options);
        before.start();
        const Millis startedAt = now;
        HeartbeatMonitor::Decision first;
        while (first.action == HeartbeatMonitor::Action::None && now < startedAt + Millis{5000}) {
            now += Millis{100};
            first = before.poll();
        }
        QCOMPARE(first.action, HeartbeatMonitor::Action::SendPing);
        QCOMPARE(now - startedAt, options.interval);
        now += Millis{500};

        // The next process: same clock, the monitor resumed from the snapshot.
        HeartbeatMonitor after([&now] { return now; });
        after.setOptions(options);
        after.resume(before.snapshot());
        QCOMPARE(after.silence(), Millis{2500});
        QCOMPARE(after.pingsInFlight(), 1);
        // The PONG to the old process's PING is recognised, with its round trip.
        const auto rtt = after.notePong(first.token);
        QVERIFY(rtt);
        QCOMPARE(*rtt, Millis{500});
        // The silence still counts from the last byte before the hand-over:
        // the verdict comes interval + timeout after it, not a full budget
        // after the restart.
        Millis deadAt{0};
        while (deadAt.count() == 0 && now < startedAt + Millis{10000}) {
            now += Millis{100};
            if (after.poll().action == HeartbeatMonitor::Action::Dead)
                deadAt = now;
        }
        QVERIFY(deadAt.count() > 0);
        QCOMPARE(deadAt - startedAt, options.detectionBudget());
    }

    void unfinishedLineContinues()
    {
        LineFramer before(64);
        before.feed("PING a\nSAYID c1 hel");
        QVERIFY(before.next());
        QVERIFY(!before.next());
        LineFramer after(64);
        after.restore(before.unfinished());
        after.feed("lo\n");
        const auto item = after.next();
        QVERIFY(item);
        QCOMPARE(item->text, QStringLiteral("SAYID c1 hello"));

        // In the middle of skipping an over-long line, the skipping goes on.
        LineFramer skipping(8);
        skipping.feed("0123456789abcdef");
        QVERIFY(!skipping.next());
        LineFramer resumed(8);
        resumed.restore(skipping.unfinished());
        resumed.feed("tail\nok\n");
        const auto tooLong = resumed.next();
        QVERIFY(tooLong);
        QCOMPARE(tooLong->status, LineFramer::Status::TooLong);
        QCOMPARE(resumed.next()->text, QStringLiteral("ok"));
    }

    // The next process continues a connection from its state alone: the
    // unfinished line completes, unsent output goes out, and a HISTORY
    // answer in progress is continued even when nothing was left unsent
    // (the old process's "drained" callback died with it).
    void resumedConnectionContinues()
    {
        asio::io_context io(1);
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        asio::ip::tcp::socket client(io), served(io);
        client.connect(acceptor.local_endpoint());
        acceptor.accept(served);
        EventLoop eventLoop(io);
        TimerWheel wheel(eventLoop);
        OutputBatcher batcher(eventLoop);
        ConnectionInbox inbox(eventLoop);
        OutputBudget budget(1 << 20);
        LivenessSettings settings;
        Connection::Limits limits;
        RecordingEvents events;
        ConnectionLoop loop{eventLoop, wheel, batcher, inbox, budget, events, settings, limits};

        HandedConnection h = sample(7);
        h.socketKey = socketKey(served.native_handle());
        QVERIFY(!h.socketKey.isEmpty());
        h.unsentOutput = QByteArray("ACK c8 41\n");
        h.heartbeat.lastReceived = monotonicNow();
        h.heartbeat.inFlight.clear();
        h.lineDeadline = monotonicNow() + Millis{30000};
        auto c = std::make_shared<Connection>(h.id, served.release(), nullptr, loop, limits);
        c->restoreChat(h);
        c->resume(h);
        QCOMPARE(c->nick(), h.nick);
        QCOMPARE(c->state(), longline::server::Participant::State::Registered);
        QVERIFY(c->historyCursor());
        asio::write(client, asio::buffer("ne\n", 3));
        QByteArray got;
        char buffer[256];
        client.non_blocking(true);
        for (int i = 0; i < 200 && (!got.contains('\n') || events.lines.isEmpty()); ++i) {
            eventLoop.runFor(std::chrono::milliseconds(10));
            std::error_code ec;
            const size_t n = client.read_some(asio::buffer(buffer), ec);
            if (!ec)
                got.append(buffer, static_cast<qsizetype>(n));
        }
        QCOMPARE(got, QByteArray("ACK c8 41\n"));
        QCOMPARE(events.lines, QStringList{QStringLiteral("SAYID c9 half a line")});
        QVERIFY(events.drained >= 1); // the HISTORY answer goes on

        // Nothing unsent, a HISTORY answer in progress: it still goes on.
        asio::ip::tcp::socket client2(io), served2(io);
        client2.connect(acceptor.local_endpoint());
        acceptor.accept(served2);
        HandedConnection quiet = sample(8);
        quiet.socketKey = socketKey(served2.native_handle());
        quiet.unsentOutput.clear();
        quiet.unfinished = {};
        quiet.heartbeat.lastReceived = monotonicNow();
        quiet.heartbeat.inFlight.clear();
        events.drained = 0;
        auto c2 = std::make_shared<Connection>(quiet.id, served2.release(), nullptr, loop, limits);
        c2->restoreChat(quiet);
        c2->resume(quiet);
        for (int i = 0; i < 50 && events.drained == 0; ++i)
            eventLoop.runFor(std::chrono::milliseconds(10));
        QCOMPARE(events.drained, 1);
        QCOMPARE(events.endedCount, 0);
        c->abort(QStringLiteral("test over"));
        c2->abort(QStringLiteral("test over"));
        eventLoop.runFor(std::chrono::milliseconds(50));
    }

    void socketKeyNamesBothEnds()
    {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        QVERIFY(socketKey(pair[0]).isEmpty()); // not TCP: nothing to match
        ::close(pair[0]);
        ::close(pair[1]);
        asio::io_context io;
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        asio::ip::tcp::socket client(io), served(io);
        client.connect(acceptor.local_endpoint());
        acceptor.accept(served);
        const QByteArray key = socketKey(served.native_handle());
        QCOMPARE(key, QByteArray("127.0.0.1/") +
                          QByteArray::number(acceptor.local_endpoint().port()) + ">127.0.0.1/" +
                          QByteArray::number(client.local_endpoint().port()));
    }
};

QTEST_GUILESS_MAIN(TestHandover)
#include "tst_handover.moc"
