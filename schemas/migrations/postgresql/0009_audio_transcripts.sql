-- Placeholder (PostgreSQL): ported from ../0009_audio_transcripts.sql once that change lands.
SELECT 1;
