#pragma once
// Renders a program's man page (roff, man(7) macros) from the same
// QCommandLineOption list its parser is built from, so `--help` and the
// installed page cannot drift. Each program prints it with a hidden --man
// option; the build turns that output into the installed .1 files.

#include <QCommandLineOption>
#include <QList>
#include <QString>
#include <QStringList>

namespace longline {

struct ManSection
{
    QString title;          // "EXIT STATUS"; printed upper case
    QStringList paragraphs; // plain text; a paragraph starting with "  " is shown verbatim
};

struct ManPage
{
    QString name;     // "longline-server"
    int section = 1;  // man section
    QString summary;  // the NAME line after "\-"
    QString synopsis; // "[OPTION]... HOST [PORT]"
    QStringList description;
    QList<QCommandLineOption> options; // hidden ones are left out, as in --help
    QList<ManSection> sections;        // after OPTIONS
    QStringList seeAlso;               // "longline-cli(1)"
};

QString renderManPage(const ManPage &page);

// Escapes text for roff: backslashes, hyphens and a leading '.' or '\''.
QString roffEscape(const QString &text);

} // namespace longline
