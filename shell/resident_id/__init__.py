"""The digital resident ID (デジタル市民証): counter check, SD-JWT card, offline /verify."""
