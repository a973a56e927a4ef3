"""Every reader and writer of Whoosh's bytes and private parts: nothing outside this package reaches
into Whoosh's internals (leading-underscore attributes, ``whoosh.codec``, ``whoosh.filedb`` tables,
``whoosh.writing`` internals); it calls the public functions here.

Checked against whoosh-reloaded >=2.7.5,<2.8 (the pin in ``pyproject.toml``). The files, and the
private parts of Whoosh each uses:

- ``codec.py`` -- the index codec: ``ArrayCodec`` (W3's codec), ``ArrayPostingsWriter``,
  ``ArrayLeafMatcher``, ``ArrayTermsReader``. Subclasses ``whoosh.codec.whoosh3``'s ``W3Codec``,
  ``W3PostingsWriter``, ``W3LeafMatcher`` and ``W3TermsReader``, and uses their private state
  (``_terminfo``, ``_ids``, ``_weights``, ``_values``, ``_postfile``, ``_blockcount``,
  ``_blocklimit``, ``_inlinelimit``, ``_minlength``, ``_maxlength``, ``_maxweight``,
  ``_startoffset``, ``_new_block``, ``_write_block``, ``_read_data``, ``_compression``,
  ``_dataoffset``, ``_nextoffset``, ``_blocklength``, ``_data``, ``_codec``;
  ``W3TermInfo.set_inlined``, ``W3Codec.TERMS_EXT``/``POSTS_EXT``).
- ``blocks.py`` -- a posting block encoded and decoded, a posting list's blocks: W3's block layout
  (``WHOOSH3_HEADER_MAGIC``, the pickled block info, ``W3PostingsWriter._mini_values``' value
  layout), Whoosh's ``Positions`` value bytes.
- ``postings.py`` -- posting lists read as numpy arrays (``read_list``, ``posting_arrays``,
  ``posting_positions``, ``value_positions``, ``term_postings``) and a segment's field lengths
  (``field_lengths``): ``reader._terms`` (``_postfile``, ``matcher``), ``reader._perdoc``
  (``W3PerDocReader._cached_reader``, ``_lenfield``, ``LENGTHS_COLUMN``; the column reader's
  ``_dbfile``, ``_basepos``, ``_count``).
- ``term_file.py`` -- the term file: ``TermTable`` (a term's info by ``os.pread``), one reader of a
  field's records in order (``field_records``, ``field_terms``), ``doc_frequency``, ``extent``:
  ``reader._terms`` (``W3TermsReader._tindex``, ``_fieldmap``, ``_keycoder``),
  ``filetables.OrderedHashReader`` (``tables``, ``dbfile``, ``endofdata``, ``closest_key_pos``),
  ``compound.SubFile`` (``_file``, ``_offset``), ``W3TermInfo._struct`` and its byte layout.
- ``term_writer.py`` -- whole posting lists written into a segment's term and posting files
  (``TermWriter``): ``W3FieldWriter`` (``_tindex``, ``_postwriter``, ``_fieldid``, ``start_field``,
  ``finish_field``), ``filetables.OrderedHashWriter`` (``index``, ``buckets``, ``lastkey``,
  ``hashfn`` = ``md5_hash``), ``W3TermInfo._struct``.
- ``posting_pool.py`` -- the build's compact posting pool (``CompactPool``), which writes through
  ``term_writer``; no private part of its own.
- ``segment_writer.py`` -- the build's segment writer (``PoolWriter``, ``writer``) and a worker's
  segment finished and committed (``finished_segment``, ``commit_with_segments``):
  ``whoosh.writing.SegmentWriter`` (``add_document``'s internals ``_check_state``, ``_doc_boost``,
  ``_check_fields``, ``_field_boost``, ``_added``; ``_flush_segment``, ``_finalize_segment``,
  ``_close_segment``, ``_commit_toc``, ``_finish``), ``reader._terms``.
- ``merge_policy.py`` -- which small segments an edit merges: ``whoosh.reading.SegmentReader`` made
  directly from a segment.
- ``readers.py`` -- small public functions over private parts: ``has_term_file``,
  ``postings_file``, ``whole_postings_file`` (``reader._terms._postfile``), ``index_segments``
  (``FileIndex._segments``), ``bound_idf_cache`` (``Searcher._idf_cache``).
- ``bm25.py`` -- the one BM25 over arrays (the collector, phrases, related lists) and a BM25F
  scorer's field lengths from an array: ``BM25F._field_B``, ``BM25FScorer.dfl``.
- ``schema.py`` -- the schema and its field types; ``Positions`` value bytes (``encode_positions``).
- ``moved.py`` -- old module paths (``indexer.codec``, ``indexer.schema``, ``indexer.analysis``)
  that an index built before the wings names in its pickled table of contents; no private part.
"""
