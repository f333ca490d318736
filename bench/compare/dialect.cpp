#include "dialect.h"

#include <cstdlib>
#include <cstring>

namespace longline::bench::compare {

namespace {

// Enough of any line to recognise it; the rest (an ONLINE list of thousands
// of nicks) is skipped, not stored.
constexpr size_t KeptLine = 160;

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

} // namespace

std::string Dialect::registration(std::string_view name) const
{
    switch (m_kind) {
    case ServerKind::Longline:
    case ServerKind::Floor:
        return "HELLO " + std::string(name) + "\n";
    case ServerKind::Mosquitto: {
        // CONNECT, MQTT 3.1.1: protocol name, level 4, clean session, keep
        // alive, client id.
        std::string p;
        const size_t remaining = 10 + 2 + name.size();
        p += char(0x10);
        p += char(remaining); // < 128 for ids this short
        p += std::string("\x00\x04MQTT\x04\x02", 8);
        p += char(MqttKeepaliveSeconds >> 8);
        p += char(MqttKeepaliveSeconds & 0xff);
        p += char(name.size() >> 8);
        p += char(name.size() & 0xff);
        p += name;
        return p;
    }
    case ServerKind::Redis:
        return {};
    }
    return {};
}

std::string_view Dialect::ping() const
{
    switch (m_kind) {
    case ServerKind::Longline:
    case ServerKind::Floor:
        return "PING t\n";
    case ServerKind::Mosquitto:
        return std::string_view("\xC0\x00", 2);
    case ServerKind::Redis:
        return "PING\r\n";
    }
    return {};
}

std::string Dialect::chat(uint32_t cid) const
{
    return "SAYID a" + std::to_string(cid) + " ack latency probe\n";
}

std::string Dialect::say() const
{
    return "SAY one message to the whole room\n";
}

void Dialect::parse(ParseState &state, const char *data, size_t size, bool registered,
                    DialectEvents &events) const
{
    if (m_kind == ServerKind::Mosquitto)
        parseMqtt(state, data, size, events);
    else
        parseLines(state, data, size, registered, events);
}

void Dialect::parseLines(ParseState &state, const char *data, size_t size, bool registered,
                         DialectEvents &events) const
{
    const char *end = data + size;
    while (data < end) {
        const char *nl = static_cast<const char *>(std::memchr(data, '\n', size_t(end - data)));
        const char *stop = nl ? nl : end;
        if (!state.truncating) {
            const size_t room = KeptLine - state.partial.size();
            const size_t take = std::min(room, size_t(stop - data));
            state.partial.append(data, take);
            if (take < size_t(stop - data))
                state.truncating = true;
        }
        if (!nl)
            return;
        std::string_view line(state.partial);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        onLine(line, registered || events.registered > 0, events);
        state.partial.clear();
        state.truncating = false;
        data = nl + 1;
    }
}

void Dialect::onLine(std::string_view line, bool registered, DialectEvents &events) const
{
    if (m_kind == ServerKind::Redis) {
        if (line == "+PONG")
            ++events.pongs;
        else if (startsWith(line, "-")) {
            ++events.errors;
            events.errorLine = line;
        }
        return;
    }
    if (startsWith(line, "MSG ")) {
        ++events.messages;
    } else if (startsWith(line, "PING ")) {
        events.reply += "PONG ";
        events.reply += line.substr(5);
        events.reply += '\n';
    } else if (startsWith(line, "PONG ")) {
        ++events.pongs;
    } else if (startsWith(line, "ACK a")) {
        events.acks.push_back(uint32_t(std::strtoul(line.data() + 5, nullptr, 10)));
    } else if (startsWith(line, "WELCOME ")) {
        ++events.registered;
    } else if (startsWith(line, "ERR ")) {
        events.errorLine = line;
        if (registered)
            ++events.errors;
        else
            ++events.refused;
    } else if (startsWith(line, "BYE")) {
        events.errorLine = line;
        ++events.closing;
        if (!registered)
            ++events.refused;
    }
}

void Dialect::parseMqtt(ParseState &state, const char *data, size_t size,
                        DialectEvents &events) const
{
    state.partial.append(data, size);
    size_t pos = 0;
    const std::string &b = state.partial;
    while (pos < b.size()) {
        // Fixed header: type byte, then a variable-length remaining length.
        size_t i = pos + 1;
        size_t remaining = 0;
        int shift = 0;
        bool complete = false;
        while (i < b.size() && shift <= 21) {
            const auto byte = uint8_t(b[i++]);
            remaining |= size_t(byte & 0x7f) << shift;
            shift += 7;
            if (!(byte & 0x80)) {
                complete = true;
                break;
            }
        }
        if (!complete || b.size() - i < remaining)
            break;
        const auto type = uint8_t(b[pos]) >> 4;
        if (type == 2) { // CONNACK: flags, return code
            if (remaining >= 2 && b[i + 1] == 0)
                ++events.registered;
            else
                ++events.refused;
        } else if (type == 13) { // PINGRESP
            ++events.pongs;
        }
        pos = i + remaining;
    }
    state.partial.erase(0, pos);
}

} // namespace longline::bench::compare
