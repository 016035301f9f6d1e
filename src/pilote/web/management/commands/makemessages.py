"""``makemessages`` that also extracts the messages rules and actions mark with ``N_``
(pilote.okr.text): Django's documented way to add an xgettext keyword."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
