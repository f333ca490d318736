#include "eventlog.h"

#include "protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace longline::cli {

namespace {

// Control characters never reach a terminal tailing the events, even from a
// server's text: JSON would escape C0 codes but not C1 codes or bidi overrides.
QJsonValue sanitized(const QJsonValue &v)
{
    if (v.isString())
        return protocol::sanitizeForDisplay(v.toString());
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue &e : v.toArray())
            a.append(sanitized(e));
        return a;
    }
    if (v.isObject()) {
        QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            it.value() = sanitized(it.value());
        return o;
    }
    return v;
}

QString quoteIfNeeded(const QString &raw)
{
    const QString value = protocol::sanitizeForDisplay(raw);
    bool plain = !value.isEmpty();
    for (const QChar c : value) {
        if (c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('\\') ||
            c == QLatin1Char('=')) {
            plain = false;
            break;
        }
    }
    if (plain)
        return value;
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString scalarText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QStringLiteral("none");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        return QString::number(d, 'g', 15);
    }
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &e : v.toArray())
            parts.append(scalarText(e));
        return parts.join(QStringLiteral("; "));
    }
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

void appendFields(QString &line, const QString &prefix, const QJsonObject &fields)
{
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const QString key = prefix + it.key();
        if (it.value().isObject()) {
            appendFields(line, key + QLatin1Char('.'), it.value().toObject());
            continue;
        }
        line += QLatin1Char(' ') + key + QLatin1Char('=') + quoteIfNeeded(scalarText(it.value()));
    }
}

} // namespace

QString EventLog::formatText(const QString &event, const QJsonObject &fields)
{
    QString line = event;
    appendFields(line, QString(), fields);
    return line;
}

void EventLog::write(const QString &event, const QJsonObject &fields)
{
    const QString time = protocol::formatTime(QDateTime::currentDateTimeUtc());
    QByteArray out;
    if (m_format == EventFormat::Json) {
        QJsonObject o = sanitized(fields).toObject();
        o.insert(QStringLiteral("time"), time);
        o.insert(QStringLiteral("event"), event);
        out = QJsonDocument(o).toJson(QJsonDocument::Compact);
    } else {
        out = (time + QLatin1Char(' ') + formatText(event, fields)).toUtf8();
    }
    out += '\n';
    std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), m_out);
    std::fflush(m_out);
}

} // namespace longline::cli
