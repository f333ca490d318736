// libFuzzer target over everything that reads bytes from the network before
// the server's own logic: the line framer (limits, CRLF, UTF-8) and the line
// parser with the message decoders. Any crash, sanitizer report or broken
// invariant below is a bug.

#include "lineframer.h"
#include "protocol.h"

#include <cstdint>
#include <cstdlib>

using namespace longline;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the line limit and how the input is chunked, so
    // the fuzzer explores lines that straddle reads and the limit.
    const qsizetype maxLine = 1 + (data[0] % 64) * 4;
    const size_t chunk = 1 + (data[0] >> 4);
    LineFramer framer(maxLine);
    for (size_t pos = 1; pos < size; pos += chunk) {
        const size_t n = std::min(chunk, size - pos);
        framer.feed(
            QByteArray(reinterpret_cast<const char *>(data + pos), static_cast<qsizetype>(n)));
        if (framer.pendingBytes() > maxLine + 1 + static_cast<qsizetype>(chunk))
            std::abort(); // memory must stay bounded
        while (auto item = framer.next()) {
            if (item->status != LineFramer::Status::Line)
                continue;
            if (item->text.toUtf8().size() > maxLine)
                std::abort(); // the limit must hold
            const auto parsed = protocol::parse(item->text);
            if (parsed.ok() == parsed.error.has_value())
                std::abort(); // exactly one of line or error
            if (!parsed.ok())
                continue;
            const protocol::Line &line = *parsed.line;
            protocol::parseWelcome(line);
            if (const auto m = protocol::parseChatMessage(line)) {
                // What was parsed must format back to something that parses
                // to the same message.
                const QByteArray again = protocol::msg(*m);
                const auto reparsed = protocol::parse(QString::fromUtf8(again.chopped(1)));
                if (!reparsed.ok())
                    std::abort();
                const auto m2 = protocol::parseChatMessage(*reparsed.line);
                if (!m2 || m2->seq != m->seq || m2->nick != m->nick)
                    std::abort();
            }
            for (const QString &w : line.words) {
                protocol::isValidNick(w);
                protocol::isValidToken(w);
                protocol::parseSeq(w);
            }
            protocol::hasControlChars(line.text);
            if (protocol::hasControlChars(protocol::sanitizeForDisplay(line.text)))
                std::abort(); // sanitized text must be clean
        }
    }
    return 0;
}
