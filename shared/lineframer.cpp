#include "lineframer.h"

#include <cstring>

namespace longline {

void LineFramer::feed(const QByteArray &bytes)
{
    compact();
    m_buffer.append(bytes);
}

LineFramer::Unfinished LineFramer::unfinished() const
{
    return {m_buffer.mid(m_pos), m_discarding, m_discarded};
}

void LineFramer::restore(const Unfinished &state)
{
    m_buffer = state.bytes;
    m_pos = 0;
    m_discarding = state.discarding;
    m_discarded = state.discarded;
}

void LineFramer::compact()
{
    if (m_pos >= m_buffer.size()) {
        // Nothing pending: give the memory back. A server holds one framer
        // per connection, and most connections are idle between lines.
        m_buffer.clear();
        m_pos = 0;
    } else if (m_pos > 0) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
}

std::optional<LineFramer::Item> LineFramer::next()
{
    while (m_pos < m_buffer.size()) {
        const char *begin = m_buffer.constData() + m_pos;
        const qsizetype avail = m_buffer.size() - m_pos;
        const void *nl = std::memchr(begin, '\n', static_cast<size_t>(avail));

        if (m_discarding) {
            if (!nl) {
                m_discarded += avail;
                m_pos = m_buffer.size();
                compact();
                return std::nullopt;
            }
            const qsizetype len = static_cast<const char *>(nl) - begin;
            m_discarded += len;
            m_pos += len + 1;
            m_discarding = false;
            Item item;
            item.status = Status::TooLong;
            item.rawSize = m_discarded;
            m_discarded = 0;
            return item;
        }

        if (!nl) {
            // Allow one extra byte for a trailing '\r' of a maximal line.
            if (avail > m_maxLine + 1) {
                m_discarding = true;
                m_discarded = avail;
                m_pos = m_buffer.size();
                compact();
            }
            return std::nullopt;
        }

        qsizetype len = static_cast<const char *>(nl) - begin;
        m_pos += len + 1;
        if (len > 0 && begin[len - 1] == '\r')
            --len;
        Item item;
        item.rawSize = len;
        if (len > m_maxLine) {
            item.status = Status::TooLong;
            return item;
        }
        if (!isValidUtf8(begin, len)) {
            item.status = Status::BadUtf8;
            return item;
        }
        item.text = QString::fromUtf8(begin, len);
        return item;
    }
    compact();
    return std::nullopt;
}

bool LineFramer::isValidUtf8(const char *data, qsizetype size)
{
    const auto *s = reinterpret_cast<const unsigned char *>(data);
    qsizetype i = 0;
    while (i < size) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra;
        char32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false; // continuation byte, overlong lead (c0, c1) or > f4
        }
        if (i + extra >= size)
            return false; // truncated sequence
        for (int k = 1; k <= extra; ++k) {
            const unsigned char cc = s[i + k];
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

} // namespace longline
