#!/bin/sh
# sidus: services never start inside a SIDUS root (package scripts, chroot sessions).
exit 101
