#pragma once
// The load generator: many client connections in one thread on one epoll
// descriptor, non-blocking, level-triggered. No Qt here: Qt's dispatcher
// scans every descriptor on every wakeup, which would make the generator's
// own cost grow with N and distort what it measures.
//
// Connections come from 127.0.x.y source addresses (bound before connect,
// port chosen at connect time) so the ~28,000 ephemeral ports of one source
// address never limit N.

#include "dialect.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace longline::bench::compare {

enum class ConnState : uint8_t
{
    Unopened,    // added, not connecting yet
    Connecting,  // connect() in progress
    Registering, // connected, registration sent, no answer yet
    Ready,       // registered: counts as a held connection
    Refused,     // the server refused registration
    Failed,      // connect failed or the connection broke before registration
    Closed,      // closed after registration (by the server, or by closeAll)
};
constexpr int ConnStateCount = 7;

struct Conn
{
    int fd = -1;
    ConnState state = ConnState::Unopened;
    bool keepaliveInFlight = false; // an MQTT keep-alive PINGREQ awaits its PINGRESP
    int64_t pingSentNs = 0;         // when our timed ping left; 0 when none is in flight
    int64_t lastSentNs = 0;
    int64_t registeredNs = 0;
    uint32_t messages = 0; // chat messages received
    ParseState parse;
    std::string pendingOut; // bytes the kernel's send buffer would not take yet
};

class LoadGen
{
public:
    LoadGen(const Dialect &dialect, uint16_t port);
    ~LoadGen();
    LoadGen(const LoadGen &) = delete;
    LoadGen &operator=(const LoadGen &) = delete;

    static int64_t nowNs();

    // Adds `count` unopened connections named <prefix><index>; returns the
    // first index.
    size_t add(size_t count, char prefix);
    void open(size_t index);
    // Waits up to `timeout` for socket events and handles them (answering
    // the server's PINGs, keeping MQTT alive).
    void poll(std::chrono::milliseconds timeout);
    // A timed ping on a ready connection with no ping of ours in flight.
    bool ping(size_t index);
    bool send(size_t index, std::string_view bytes);
    void closeAll();

    size_t size() const { return m_conns.size(); }
    const Conn &conn(size_t index) const { return m_conns[index]; }
    void resetMessages();
    size_t count(ConnState s) const { return m_inState[int(s)]; }
    size_t pingsInFlight() const { return m_pingsInFlight; }
    uint64_t messages() const { return m_messages; }
    size_t connectionsWithMessages() const { return m_connsWithMessages; } // since resetMessages
    uint64_t serverErrors() const { return m_serverErrors; }
    uint64_t closedByServer() const { return m_closedByServer; }
    const std::string &lastFailure() const { return m_lastFailure; }

    // Where round trips of timed pings go (ns); null: not recorded.
    void setPingSink(std::vector<int64_t> *sink) { m_pingSink = sink; }
    // Called for every ACK of a SAYID with its cid, the time this process
    // read it and the time the kernel queued it on the socket (both on
    // nowNs()'s clock; the kernel's is 0 when it gave none). The kernel's
    // leaves out how long the bytes waited for this process, which reads
    // every connection on one thread: at 100,000 lines a second that lag
    // is this process's, not the server's.
    void setAckSink(std::function<void(uint32_t cid, int64_t readNs, int64_t kernelNs)> sink)
    {
        m_ackSink = std::move(sink);
        setReceiveTimestamps(bool(m_ackSink));
    }

private:
    void setState(Conn &c, ConnState s);
    void fail(Conn &c, ConnState s, const std::string &why);
    void onWritable(size_t index);
    void onReadable(size_t index);
    bool flush(Conn &c);
    void keepAlive(int64_t now);

    const Dialect &m_dialect;
    uint16_t m_port;
    int m_epoll = -1;
    std::vector<Conn> m_conns;
    std::vector<char> m_prefixes; // name prefix per index
    size_t m_inState[ConnStateCount] = {};
    size_t m_pingsInFlight = 0;
    uint64_t m_messages = 0;
    size_t m_connsWithMessages = 0;
    uint64_t m_serverErrors = 0;
    uint64_t m_closedByServer = 0;
    std::string m_lastFailure;
    std::vector<int64_t> *m_pingSink = nullptr;
    std::function<void(uint32_t, int64_t, int64_t)> m_ackSink;
    // SO_TIMESTAMPNS on every connection: reads tell when the kernel
    // queued their last bytes.
    void setReceiveTimestamps(bool on);
    bool m_receiveTimestamps = false;
    int64_t m_lastKeepaliveScan = 0;
    std::vector<char> m_scratch;
    DialectEvents m_events;
};

} // namespace longline::bench::compare
