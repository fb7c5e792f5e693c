#!/bin/sh
# Put in place by a sidus exec/shell session: services never start inside a session.
# sidus removes (or unmounts) it when the session ends.
exit 101
