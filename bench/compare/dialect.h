#pragma once
// How the load generator speaks to each server: what it sends to register,
// how it pings, and what the server's bytes mean (the floor speaks longline's
// HELLO and PING). One instance serves every connection; per-connection parse
// state lives in ParseState.

#include "serverprocess.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace longline::bench::compare {

// Unparsed bytes of one connection: the kept prefix of an unfinished line,
// or an unfinished MQTT packet.
struct ParseState
{
    std::string partial;
    bool truncating = false; // the current line is longer than kept; the rest is skipped
};

// What one chunk of server bytes meant.
struct DialectEvents
{
    int registered = 0;         // registration accepted (WELCOME, CONNACK 0)
    int refused = 0;            // registration refused (ERR/BYE before WELCOME, CONNACK != 0)
    int pongs = 0;              // answers to the client's own pings
    int messages = 0;           // chat messages delivered (longline MSG)
    int errors = 0;             // ERR lines after registration
    int closing = 0;            // the server said BYE
    std::vector<uint32_t> acks; // cids of SAYIDs acknowledged
    std::string reply;          // bytes to send back at once (PONG to a server PING)
    std::string errorLine;      // the last error or refusal the server sent

    void clear()
    {
        registered = refused = pongs = messages = errors = closing = 0;
        acks.clear();
        reply.clear();
        errorLine.clear();
    }
};

class Dialect
{
public:
    explicit Dialect(ServerKind kind) : m_kind(kind) {}

    ServerKind kind() const { return m_kind; }
    bool registersOnConnect() const { return m_kind == ServerKind::Redis; }
    // True when the client, not the server, keeps an idle connection alive.
    bool clientKeepalive() const { return m_kind == ServerKind::Mosquitto; }

    std::string registration(std::string_view name) const; // empty: nothing to send
    std::string_view ping() const;
    std::string chat(uint32_t cid) const; // longline SAYID
    std::string say() const;              // longline SAY, one message to the room

    void parse(ParseState &state, const char *data, size_t size, bool registered,
               DialectEvents &events) const;

private:
    void parseLines(ParseState &state, const char *data, size_t size, bool registered,
                    DialectEvents &events) const;
    void parseMqtt(ParseState &state, const char *data, size_t size, DialectEvents &events) const;
    void onLine(std::string_view line, bool registered, DialectEvents &events) const;

    ServerKind m_kind;
};

// The MQTT keep-alive the load generator announces and keeps (seconds): the
// same silence after which longline-server pings a client by default.
constexpr int MqttKeepaliveSeconds = 15;

} // namespace longline::bench::compare
