#pragma once
// Splits a TCP byte stream into protocol lines: "\n" terminated, "\r\n"
// accepted, each at most a fixed number of bytes and valid UTF-8. A line over
// the limit is discarded up to its next "\n" (so one bad line never
// desynchronises the stream) and reported once.

#include <QByteArray>
#include <QString>
#include <algorithm>
#include <optional>

namespace longline {

class LineFramer
{
public:
    enum class Status
    {
        Line,
        TooLong,
        BadUtf8
    };

    struct Item
    {
        Status status = Status::Line;
        QString text;          // the decoded line when status == Line
        qsizetype rawSize = 0; // bytes the line took on the wire, terminator excluded
    };

    explicit LineFramer(qsizetype maxLineBytes = 4096) { setMaxLineBytes(maxLineBytes); }

    void setMaxLineBytes(qsizetype max)
    {
        m_maxLine = static_cast<qint32>(std::clamp<qsizetype>(max, 0, INT32_MAX - 1));
    }
    qsizetype maxLineBytes() const { return m_maxLine; }

    // Appends received bytes. Memory stays bounded by maxLineBytes + one
    // read chunk whatever the peer sends.
    void feed(const QByteArray &bytes);
    // The next complete line (or error) or nothing when more bytes are needed.
    std::optional<Item> next();
    // Bytes of an unfinished line held, for slow-sender policing.
    qsizetype pendingBytes() const { return m_buffer.size() - m_pos; }
    bool discarding() const { return m_discarding; }

    // What a restarting server hands to the next process (server/net/handover):
    // the bytes of the unfinished line, and whether an over-long line is
    // being skipped (and how much of it was).
    struct Unfinished
    {
        QByteArray bytes;
        bool discarding = false;
        qsizetype discarded = 0;
    };
    Unfinished unfinished() const;
    void restore(const Unfinished &state);

    static bool isValidUtf8(const char *data, qsizetype size);

private:
    void compact();

    // Ordered to leave no padding: a server keeps one framer per connection.
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    qsizetype m_discarded = 0;
    qint32 m_maxLine = 0;
    bool m_discarding = false; // inside an over-long line, skipping to "\n"
};

} // namespace longline
